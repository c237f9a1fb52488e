# ruff: noqa: RUF001
"""Regenerate the corpus JSONL files from hand-written seeds and evasion transforms.

The committed `*.jsonl` files are the corpus; this script documents how they were made and
rebuilds them deterministically (fixed seed): `python tests/corpus/build.py`. Seeds are written
by hand from public filter-evasion cheat sheets and from the kind of text users really send;
transforms apply the encodings the normaliser must undo (URL, double URL, HTML entities, JSON
escapes, full-width, zero-width, look-alike letters, case). Secret-shaped values are random
strings from the seeded generator: format-valid, never real credentials.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).parent
rng = random.Random(20240605)


# ---------------------------------------------------------------- evasion transforms
def url(s: str) -> str:
    return quote(s, safe="")


def url2(s: str) -> str:
    return quote(quote(s, safe=""), safe="")


def entities(s: str) -> str:
    return "".join(f"&#x{ord(c):x};" if c in "<>\"':()/=" else c for c in s)


def decimal_entities(s: str) -> str:
    return "".join(f"&#{ord(c)}" if c in "<>" else c for c in s)


def json_escape(s: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c in "<>'\"/" else c for c in s)


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def zero_width(s: str) -> str:
    out = []
    for i, c in enumerate(s):
        out.append(c)
        if c.isalpha() and i % 3 == 1:
            out.append(rng.choice(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]))
    return "".join(out)


LOOKALIKE = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і", "x": "х"}


def lookalike(s: str) -> str:
    return "".join(LOOKALIKE.get(c, c) if rng.random() < 0.5 else c for c in s)


def mixed_case(s: str) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def spaced(s: str) -> str:
    return s.replace(" ", "  \n\t ")


TRANSFORMS: list[Callable[[str], str]] = [
    url, url2, entities, json_escape, fullwidth, zero_width, lookalike, mixed_case,
]  # fmt: skip


def wrap(payload: str) -> str:
    return rng.choice(
        [
            "{}",
            "Please summarise this comment: {}",
            "Translate to French: {}",
            "user bio: {}",
            "{} -- what does this do?",
            "My name is {} nice to meet you",
            "search?q={}",
            'Here is the field value: "{}"',
        ]
    ).format(payload)


def variants(
    seeds: list[str], count: int, transforms: list[Callable[[str], str]]
) -> list[dict[str, str]]:
    """Every seed once as written (wrapped), then random seed x transform pairs up to count."""
    rows = [{"text": wrap(s), "note": "plain"} for s in seeds]
    seen = {r["text"] for r in rows}
    while len(rows) < count:
        s, t = rng.choice(seeds), rng.choice(transforms)
        text = wrap(t(s))
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "note": t.__name__})
    return rows[:count] if len(rows) > count else rows


def write(check: str, malicious: list[dict[str, str]], benign: list[str]) -> None:
    path = HERE / f"{check}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in malicious:
            fh.write(json.dumps({"label": "malicious", **row}, ensure_ascii=False) + "\n")
        for text in benign:
            fh.write(json.dumps({"label": "benign", "text": text}, ensure_ascii=False) + "\n")
    print(f"{check}: {len(malicious)} malicious, {len(benign)} benign -> {path.name}")


from seeds import (  # noqa: E402  (seed data lives next to this script)
    PATH_BENIGN,
    PATH_SEEDS,
    PII_BENIGN,
    PROMPT_BENIGN,
    PROMPT_SEEDS,
    SQL_BENIGN,
    SQL_SEEDS,
    XSS_BENIGN,
    XSS_SEEDS,
    pii_malicious,
    secrets_benign,
    secrets_malicious,
)  # fmt: skip


def main() -> None:
    write("xss", variants(XSS_SEEDS, 80, TRANSFORMS), XSS_BENIGN)
    write(
        "sql_injection",
        variants(SQL_SEEDS, 70, [url, url2, mixed_case, spaced, fullwidth, json_escape]),
        SQL_BENIGN,
    )
    write(
        "path_traversal",
        variants(PATH_SEEDS, 60, [url, url2, mixed_case, json_escape, fullwidth]),
        PATH_BENIGN,
    )
    write(
        "prompt_injection",
        variants(
            PROMPT_SEEDS,
            max(80, len(PROMPT_SEEDS) + 20),
            [zero_width, lookalike, mixed_case, spaced, fullwidth],
        ),
        PROMPT_BENIGN,
    )
    write("secrets", secrets_malicious(rng), secrets_benign(rng))
    write("pii", pii_malicious(rng), PII_BENIGN)


if __name__ == "__main__":
    main()
