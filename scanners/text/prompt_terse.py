# ruff: noqa: RUF001
"""prompt_injection: terse direct injections in English, by their grammar (issue 14, eleventh
round — short injections).

The sixth round's phrase lists (promptwl, promptgate, langkit, jailbreak-arena,
agentic-redteam) and the fifth round's kits reach 45-64 % held-out against ~95 % dev: a line
of five to fifteen words has no classifier behind it (`MIN_WORDS`), and the dev rules named
dev's lines. These four families are the ones that met the round's decision rule (dev
detection on these sources rises, no dev benign text, gettext message or man-page chunk
flags, the 4 KB chat body's instructions rise < 1 %); each is a grammar, not a dev line's
words (three written on reading a dev miss), and holds a look-alike a person says to a person:

    NEW_TASK      = YOUR (new | real | actual) (task | objective | goal ...) is [now] [to]
                    MODEL_ORDER, or nothing after it; MODEL_ORDER is an order only a model is
                    given (say, print, output, reveal, repeat, insult, ignore); "your new task
                    is to review the pull requests" passes
    DATA_IS_ORDER = THE [modifier] (caption | text | note | image | file ...) [below] is an
                    (authorized | verified | trusted ...) (instruction | command | prompt):
                    data declared a trusted order; "the attached file is an authorized order
                    form" and "an official instruction from HR" pass
    LABEL_BLANKET = (new rules | updated instructions | from now on) [you must] (always | only)
                    (say | answer) [yes] to everything; "always say yes to new experiences"
                    passes
    REAL_PROMPT   = (tell | show | share ...) [me] YOUR (real | hidden | secret | original)
                    (instructions | system prompt | rules); "tell me your real name" passes

The grammar-only families written beside them (quoted compromise payloads, forced first
words, "never refuse" and "show your instructions" in eight languages), which raised no dev
detection on these sources, are on the branch `pilists-grammar`, not shipped
(docs/input-scanning.md, eleventh round — short injections).

None counts in a system message (`OPERATOR_FAMILIES`). Gates are phrases ("*your new task",
"*authorized instruction", "*always say", "*your hidden "), not words: with word gates
("real", "order") such regexes ran on the 4 KB documentation body of
`python -m benchmarks.scan_instructions` and cost it +5.2 % of its instructions. Look-alikes:
`tests/scanners/text/test_pi_terse.py`.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_QUOTE = r"[\"'“”‘’«»`]"
_MODEL_ORDER = (
    r"(?:say|print|output|reply|respond|repeat|reveal|leak|insult|ignore|disregard|pretend|"
    r"act as|roleplay|role-play|tell (?:me|the user) (?:your|the) (?:system|secret|password|"
    r"prompt))\b"
)

_TASKS = ("task", "objective", "goal", "mission", "purpose", "job")
_NEED_NEW_TASK_EN = (
    (
        *(f"*your {new} {t}" for new in ("new", "real", "actual", "true", "only") for t in _TASKS),
        *(f"*your {t} is now" for t in _TASKS),
    ),
)
_NEED_DATA_IS_ORDER_EN = (
    tuple(
        f"*{trusted} {order}"
        for trusted in ("authorized", "authorised", "legitimate", "verified", "trusted",
                        "privileged", "binding", "priority", "admin", "administrator",
                        "developer", "genuine", "real")
        for order in ("instruction", "command", "order", "directive", "prompt", "system prompt")
    ),
    ("is", "are"),
)  # fmt: skip
_NEED_LABEL_BLANKET_EN = (
    tuple(
        f"*{only} {say}"
        for only in ("always", "only", "just")
        for say in ("say", "answer", "reply", "respond", "agree")
    ),
    ("everything", "anything", "every", "all", "matter", "regardless"),
    ("new", "updated", "*from now on"),
)
_NEED_REAL_PROMPT_EN = (
    tuple(
        f"*your {real} "
        for real in ("real", "true", "actual", "hidden", "secret", "original", "full",
                     "underlying", "internal", "unfiltered")
    ),
    ("instructions", "prompt", "rules", "guidelines", "directives", "programming", "message"),
)  # fmt: skip

TERSE_RULES: tuple[Rule, ...] = (
    rule(
        "new_task_en",
        r"\byour (?:new|real|actual|true|only) (?:task|objective|goal|mission|purpose|job) "
        rf"(?:is|will be)(?: now)?(?: to)?\s?:?\s?(?:now )?(?:to )?{_MODEL_ORDER}|"
        r"\byour (?:task|objective|goal|mission|purpose|job) is now(?: to)?\s?:?\s?"
        rf"{_MODEL_ORDER}|"
        r"\byour (?:new|real|actual|true|only) (?:task|objective|goal|mission|purpose|job) "
        r"(?:is|will be)(?: now| as follows)?\s?:?[\s.\[\]{}<>_-]*$",
        need=_NEED_NEW_TASK_EN,
    ),
    rule(
        "data_is_order_en",
        r"\b(?:the|this|that) (?:[a-z]+ )?(?:caption|text|note|comment|image|photo|picture|"
        r"file|document|message|content|page|email|attachment|metadata|footer|header|alt-?text|"
        r"transcript|data|string|field|section|paragraph|line|snippet|description|screenshot|"
        r"qr code)(?: (?:below|"
        r"above|that follows|here|in (?:this|the) (?:image|file|document|page)))? (?:is|are) "
        r"(?:an? )?(?:authori[sz]ed|legitimate|verified|trusted|privileged|binding|priority|admin|"
        r"administrator|developer|genuine|real) (?:instructions?|commands?|orders?|directives?|"
        r"system prompt|prompt)\b(?! forms?\b)",
        need=_NEED_DATA_IS_ORDER_EN,
    ),
    rule(
        "label_blanket_en",
        r"\b(?:new (?:instructions?|rules?|directives?|polic(?:y|ies)|orders?)|updated "
        r"(?:instructions|rules|directives)|from now on)\s?[:,]?\s?(?:you (?:must|will|should|"
        r"shall) )?(?:always|only|just) (?:say|answer|reply|respond|agree)(?: with)?\s?"
        rf"{_QUOTE}?(?:yes|no|true|ok|okay|i agree|approved|sure){_QUOTE}? (?:to (?:everything|"
        r"anything|every (?:question|request|thing)|all (?:questions|requests))|no matter what|"
        r"regardless)\b",
        need=_NEED_LABEL_BLANKET_EN,
    ),
    rule(
        "real_prompt_en",
        r"\b(?:tell|told|show|showed|shown|give|gave|share|shared|send|sent|reveal|revealed|"
        r"print|paste) (?:(?:me|us|with me|with us) )?your (?:real|true|actual|hidden|secret|"
        r"original|full|underlying|internal|unfiltered) (?:instructions|system prompt|prompt|"
        r"rules|guidelines|directives|programming|system message)\b",
        need=_NEED_REAL_PROMPT_EN,
    ),
)
