"""Does reading CJK text help the classifier? (issue 14, tenth round)

    .venv/bin/python -m evals.cv_pi_cjk            # every variant of `VARIANTS`
    .venv/bin/python -m evals.cv_pi_cjk --gettext  # only the gettext count (`gettext_flags`)

A Chinese or Japanese sentence is one `\\w` token, so the model read it as one rare word, and
most CJK texts had too few "words" to reach it at all (`MIN_WORDS`). `pi_model.features` now
adds the character pairs of every CJK run. Here the whole check (rules, then the classifier)
is cross-validated by source package with the folds fixed (as `evals.cv_pi_data`), once per
feature variant, all on the same dev rows: the words alone (the model before the tenth round),
with the CJK character pairs, with the single characters too, and each of those with the
Chinese agent kit (agent-redteam, `evals/sources_agents.py`) training the model as well as
the rules, now that its Chinese texts are long enough. Each variant is also read at the words
alone's count of dev false positives (every fold's threshold moved by one log-odds offset), so
a gain is not bought with false positives. The CJK lines count texts with `CJK_CHARS` CJK
characters or more; agent-redteam's line is the fold that holds its package out.

`--gettext` scans the translated messages of the zh, ja and ko gettext catalogues installed on
this machine (`/usr/share/locale`, benign by construction) with the shipped check and counts
those flagged.
"""

from __future__ import annotations

import gettext
import sys
from collections.abc import Callable, Iterator
from operator import add
from pathlib import Path

from evals.cv_pi import _rules_flag, folds
from evals.cv_pi_data import margins
from evals.pi_data import CJK_RUN, Row, is_cjk, training_set
from scanners.text import TextScanner

KIT = "agent_redteam:"
"""The Chinese agent kit: rules only before the tenth round (`pi_data.RULES_ONLY`)."""
LOCALES = Path("/usr/share/locale")
LANGUAGES = ("zh_CN", "zh_TW", "zh_HK", "ja", "ko")


def cjk_pairs(text: str) -> set[str]:
    """Every two adjacent characters of the CJK runs of `text` ("忽略之前的指令" gives 忽略,
    略之, 之前, 前的, 的指, 指令); runs end at spaces, so joined words give no pair across two."""
    pairs: set[str] = set()
    for run in CJK_RUN.findall(text):
        pairs.update(map(add, run, run[1:]))
    return pairs


def _with_pairs(row: Row) -> frozenset[str]:
    """The row's words plus the character pairs of its CJK runs."""
    return row.words | cjk_pairs(" ".join(row.words))


def _with_chars(row: Row) -> frozenset[str]:
    """The row's words plus the pairs and every single character of its CJK runs."""
    return _with_pairs(row) | {c for run in CJK_RUN.findall(" ".join(row.words)) for c in run}


FEATURES: dict[str, Callable[[Row], frozenset[str]]] = {
    "words": lambda row: row.words,
    "pairs": _with_pairs,
    "pairs+chars": _with_chars,
}
TRAINS: dict[str, Callable[[Row], bool]] = {
    "": lambda row: False,
    " + agent-redteam trains": lambda row: row.source.startswith(KIT),
    " + every kit's CJK texts train": lambda row: is_cjk(row.text),
    " + the other kits' CJK texts train": lambda row: (
        is_cjk(row.text) and not row.source.startswith(KIT)
    ),
}
"""Which rows of the rules-only kits (`pi_data.RULES_ONLY`) train the model too."""
VARIANTS = (
    *((name, "") for name in FEATURES),
    *((name, " + agent-redteam trains") for name in FEATURES),
    ("pairs", " + every kit's CJK texts train"),
    ("pairs", " + the other kits' CJK texts train"),
)
"""(feature family, `TRAINS` key); the first is the baseline. `python -m evals.cv_pi_cjk 6`
runs the baseline and the variant 6 (0-based) only."""


def _variant(data: list[Row], name: str, trains: str) -> list[Row]:
    extend, joins = FEATURES[name], TRAINS[trains]
    return [row._replace(words=extend(row), rules_only=row.rules_only and not joins(row))
            for row in data]  # fmt: skip


def cross_validate() -> None:
    data = training_set()
    ruled = [flag for flag, _ in _rules_flag(data)]
    fold_of = folds(data, "package")
    attacks = [i for i, row in enumerate(data) if row.label == 1]
    benign = [i for i, row in enumerate(data) if row.label == 0]
    cjk_attacks = [i for i in attacks if is_cjk(data[i].text)]
    cjk_benign = [i for i in benign if is_cjk(data[i].text)]
    kit = [i for i in attacks if data[i].source.startswith(KIT)]
    chosen = [int(a) for a in sys.argv[1:] if a.isdigit()]
    budget = -1
    for name, trains in [VARIANTS[0], *(VARIANTS[i] for i in chosen)] if chosen else VARIANTS:
        m = margins(_variant(data, name, trains), ruled, fold_of)
        if budget < 0:
            budget = sum(m[i] >= 0 for i in benign)
        shift = sorted((m[i] for i in benign), reverse=True)[budget] + 1e-9
        print(f"{name}{trains}:")
        for label, at in (("own thresholds", 0.0), ("at the words' dev FP", shift)):

            def rate(rows: list[int], at: float = at, m: list[float] = m) -> str:
                hit = sum(m[i] >= at for i in rows)
                return f"{hit / max(1, len(rows)):6.1%} ({hit} of {len(rows)})"

            print(f"  {label:<22} detection {rate(attacks)}, FP {rate(benign)}; CJK "
                  f"detection {rate(cjk_attacks)}, CJK FP {rate(cjk_benign)}; "
                  f"agent-redteam {rate(kit)}")  # fmt: skip


def messages() -> Iterator[str]:
    """The translated messages of every zh/ja/ko gettext catalogue under `LOCALES`."""
    for language in LANGUAGES:
        for path in sorted((LOCALES / language / "LC_MESSAGES").glob("*.mo")):
            with path.open("rb") as f:
                try:
                    catalogue = gettext.GNUTranslations(f)
                except (OSError, UnicodeDecodeError):
                    continue
            for key, text in catalogue._catalog.items():  # type: ignore[attr-defined]
                if key and isinstance(text, str) and text.strip():  # not the header ("")
                    yield text


def gettext_flags() -> None:
    """How many of the catalogues' distinct messages the shipped check flags, and by what."""
    texts = sorted(set(messages()))
    scanner = TextScanner(["prompt_injection"])
    flagged = 0
    for text in texts:
        findings = scanner.scan([text]).texts[0].findings
        if findings:
            flagged += 1
            print(f"  {findings[0].rule}: {text[:80]!r}")
    print(f"gettext zh/ja/ko messages flagged: {flagged} of {len(texts)}")


def main() -> int:
    if "--gettext" not in sys.argv:
        cross_validate()
    gettext_flags()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
