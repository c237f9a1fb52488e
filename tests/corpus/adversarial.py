"""Near-miss inputs per check: text that walks every rule to the edge of a match and fails.

Shared by the adversarial unit test and `benchmarks/scan_adversarial.py`, so the benchmark
times exactly what the test proves terminates.
"""

from __future__ import annotations

NEAR_MISSES: dict[str, tuple[str, ...]] = {
    "xss": (
        "<a " + "x" * 200,
        "<img src=x onerro ",
        "javascrip ",
        "j a v a s c r i p t ",
        "<" * 50,
        '" on' + "o" * 60 + " ",
        "expressio data:text/htm <meta <link {{ ",
    ),
    "sql_injection": (
        "' or 'a ",
        "x' union select x ",
        "1 or 1 ",
        "/*/*/*/* ",
        "' or '' ",
        "char(65, ",
        "' ;;;; ",
        "and sleep sleep( ",
        '" or "' + "a" * 40 + " ",
        "union/**/" * 10,
    ),
    "path_traversal": (
        "../" * 4 + "src ",
        "." * 200 + " ",
        "..;..;..; ",
        "file:/ ",
        "..\\" * 4 + "lib ",
        "=/et =/pro ",
    ),
    "prompt_injection": (
        "ignore all previous previous previous ",
        "you are now a a a a a a a a a a ",
        "print your your your ",
        "忽略忽略忽略之前之前 ",
        "ignoriere alle alle alle ",
        "what is your your ",
    ),
    "secrets": (
        "sk-" + "a1" * 23 + "a ",
        "akia" + "b2" * 7 + "b ",
        "eyj" + "x" * 300 + ".eyj ",
        "ghp_" + "c3" * 17 + "c ",
        "-----begin private ",
        "hooks.slack.com/services/t ",
    ),
    "pii": (
        "1" * 300 + " ",
        "4111 1111 1111 111 ",
        "a" * 80 + "@" + "b" * 80 + " ",
        "+1 " + "1 " * 40,
        "gb82 " + "abcd " * 10,
        "123-45-678 ",
    ),
}


NORMALIZER_NEAR_MISSES: dict[str, str] = {
    # NFKC reorders a run of combining marks with an insertion sort: alternating classes
    # (230, 220) made 100 KB cost 2.2 s before the stream-safe step in `normalize`.
    "combining_marks": "a" + "\u0301\u0316" * 64,
    # html.unescape raised ValueError (int() 4300-digit limit) on a long numeric reference.
    "long_char_ref": "&#" + "1" * 5000 + " ",
}
"""Inputs aimed at the shared normaliser rather than one check's rules."""


def adversarial(check: str, size: int) -> str:
    """`size` characters of `check`'s near-misses (or a normaliser input's), repeated."""
    if check in NORMALIZER_NEAR_MISSES:
        run = NORMALIZER_NEAR_MISSES[check]
        unit = run if check != "combining_marks" else "a" + "\u0301\u0316" * (size // 2)
    else:
        unit = "".join(NEAR_MISSES[check])
    return (unit * (size // len(unit) + 1))[:size]
