# ruff: noqa: RUF001, RUF003
"""Custom rules: literal and regex matching, and load-time rejection of unsafe regexes."""

from __future__ import annotations

import pytest

from scanners.text import CustomRules, TextScanner, UnsafePattern, check_pattern, normalize


def test_literals_match_case_insensitively_after_normalisation() -> None:
    rules = CustomRules("codename", literals=["Project Falcon", "BLUEBIRD"])
    text = normalize("status of ＰＲＯＪＥＣＴ falcon and bluеbird?")  # full-width, Cyrillic е
    hits = rules.scan(text)
    assert [(f.rule, text[f.start : f.end]) for f in hits] == [
        ("literal[0]", "project falcon"),
        ("literal[1]", "bluebird"),
    ]


def test_overlapping_literals_prefer_the_longest_and_report_their_own_index() -> None:
    rules = CustomRules("words", literals=["cat", "catalog", "dog"])
    hits = rules.scan("the catalog has a cat and a dog")
    assert [f.rule for f in hits] == ["literal[1]", "literal[0]", "literal[2]"]


def test_regexes_report_their_index() -> None:
    rules = CustomRules("tickets", regexes=[r"\bjira-\d{1,6}\b", r"\binc\d{7}\b"])
    hits = rules.scan(normalize("see JIRA-42 and INC0012345"))
    assert [f.rule for f in hits] == ["regex[0]", "regex[1]"]


def test_hundreds_of_literals_compile_into_one_pattern() -> None:
    words = [f"term{i:04d}" for i in range(500)]
    rules = CustomRules("many", literals=words)
    assert len(rules.scan(" ".join(words[::7]))) == len(words[::7])


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",  # nested unbounded
        r"\w+@",  # unbounded at all
        r"(a|ab){0,20}c",  # overlapping alternation under a repeat
        r"(a{1,5}){1,9}",  # variable repeat nested in a repeat
        r"(x)\1",  # backreference
        r"a{0,5000}",  # bound too large
        r"([",  # invalid
    ],
)
def test_unsafe_or_invalid_regexes_are_rejected_at_load(pattern: str) -> None:
    with pytest.raises(UnsafePattern):
        check_pattern(pattern)
    with pytest.raises(UnsafePattern):
        CustomRules("bad", regexes=[pattern])


@pytest.mark.parametrize(
    "pattern", [r"\bproj-\d{4}\b", r"[a-z]{0,64}@corp\.io", r"(?:cat|dog){0,4}", r"(ab){0,10}c"]
)
def test_bounded_regexes_are_accepted(pattern: str) -> None:
    assert check_pattern(pattern).pattern == pattern


def test_rule_without_entries_or_name_is_a_config_error() -> None:
    with pytest.raises(ValueError):
        CustomRules("empty")
    with pytest.raises(ValueError):
        CustomRules("", literals=["x"])
    with pytest.raises(ValueError):
        CustomRules("blank", literals=["  \u200b "])


def test_custom_rule_runs_inside_the_scanner_with_builtins() -> None:
    scanner = TextScanner(["pii"], custom=[CustomRules("codename", literals=["falcon"])])
    result = scanner.scan(["falcon lead is bob.smith@corp-mail.io"])
    assert {f.check for f in result.findings} == {"pii", "codename"}
    assert (
        scanner.redact(result.texts[0], {"codename"})
        == "[REDACTED:codename] lead is bob.smith@corp-mail.io"
    )
