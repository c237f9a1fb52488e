"""Whether a short texts' model is worth shipping: `python -m evals.cv_pi_short [--chars]`.

Judged the way a set from a new collection would judge it: every source package held out in
turn (leave-one-package-out over the short dev rows and the long benign texts' sentences,
`train_pi_short.short_rows`), each package's texts scored by a model fitted without any text
of it. From those scores, at false-positive budgets of the short benign texts, it prints the
model's detection alone, the short attacks the rules miss that it catches, and how many of
the hand-written look-alikes in the rule tests (`lookalikes`: every text of a `test_*pass*`
parametrized on `text` in `tests/scanners/text/test_pi_*.py`, which the check must pass) a
model fitted on all rows flags at that threshold; then the same at the lowest threshold that
flags at most 1 % of the look-alikes, and at the lowest that flags none. The look-alikes gate
a candidate and never train it. `--chars` adds character 3- and 4-grams within words (the
attacks come in ~12 languages), `--bigrams` adjacent word pairs with the text's start and
end. Only dev texts are read (`evals.train_pi.training_set`); the scikit-learn `eval` extra
is needed.
"""

from __future__ import annotations

import ast
import re
import sys
from itertools import pairwise
from pathlib import Path

from evals.cv_pi import _rules_flag
from evals.train_pi import ROOT, SHIPPED, Row, _package, train, training_set, words
from evals.train_pi_short import SHORT_C, SHORT_KEEP, short_rows
from scanners.text.normalize import normalize
from scanners.text.pi_model import LinearModel

BUDGETS = (0.005, 0.01, 0.02)
LOOKALIKE_SHARES = (0.01,)
"""Thresholds that flag at most this share of the look-alikes (the ninth round's gate)."""
_WORD = re.compile(r"\w+")


def lookalikes(folder: Path = ROOT / "tests" / "scanners" / "text") -> list[tuple[str, str]]:
    """`(test file, text)` of every benign look-alike the rule tests hold: the `text` values
    of each test whose name says it passes, read with `ast` (a module constant named as
    the values is followed)."""
    found: list[tuple[str, str]] = []
    for path in sorted(folder.glob("test_pi_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                     for t in node.targets if isinstance(t, ast.Name)}  # fmt: skip
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or "pass" not in node.name:
                continue
            for values in _text_values(node, constants):
                found.append((path.name, values))
    return found


def _text_values(node: ast.FunctionDef, constants: dict[str, ast.expr]) -> list[str]:
    texts: list[str] = []
    for dec in node.decorator_list:
        if not (isinstance(dec, ast.Call) and len(dec.args) == 2):
            continue
        name, values = dec.args
        if not (isinstance(name, ast.Constant) and name.value == "text"):
            continue
        if isinstance(values, ast.Name):
            values = constants.get(values.id, values)
        if isinstance(values, ast.List | ast.Tuple):
            for elt in values.elts:
                try:
                    value = ast.literal_eval(elt)
                except ValueError:
                    continue
                if isinstance(value, str):
                    texts.append(value)
    return texts


def char_grams(row: Row) -> Row:
    """`row` with character 3- and 4-grams of its words (` ignor`, `gnor`...) added, marked
    `^` so `Row.count` still counts words only."""
    grams = set()
    for word in set(_WORD.findall(normalize(row.text))):
        padded = f" {word} "
        for n in (3, 4):
            grams |= {"^" + padded[i : i + n] for i in range(max(1, len(padded) - n + 1))}
    return row._replace(words=row.words | grams)


def bigrams(row: Row) -> Row:
    """`row` with its adjacent word pairs added, the text's start and end as words (`^<`,
    `^>`): "your instructions" at the end of a question and "your instructions for making
    bread" differ in `instructions >`; the first word (`< ignore`) is where an order sits."""
    tokens = ["<", *_WORD.findall(normalize(row.text)), ">"]
    pairs = {f"^{a} {b}" for a, b in pairwise(tokens)}
    return row._replace(words=row.words | pairs)


FAMILIES = {"--chars": char_grams, "--bigrams": bigrams}
"""Feature families beside words, by the flag that adds them."""


def _score(fitted: tuple[dict[str, float], float], rows: list[Row]) -> list[float]:
    weights, bias = fitted
    model = LinearModel(weights, bias, 0.5, frozenset(weights))
    return [model.score(row.words) for row in rows]


def run(argv: list[str]) -> int:
    data = training_set()
    rows = short_rows(data)
    chosen = [FAMILIES[flag] for flag in FAMILIES if flag in argv]

    def extend(row: Row) -> Row:
        for family in chosen:
            row = family(row)
        return row

    rows = [extend(row) for row in rows]
    ruled = [flag for flag, _ in _rules_flag(rows)]
    recipe = SHIPPED._replace(c=SHORT_C, keep=SHORT_KEEP)
    scores = [0.0] * len(rows)
    for package in sorted({_package(row) for row in rows}):
        rest = [row for row in rows if _package(row) != package]
        if not any(row.label for row in rest):
            continue
        fitted = train(rest, recipe)
        held = [i for i, row in enumerate(rows) if _package(row) == package]
        for i, score in zip(held, _score(fitted, [rows[i] for i in held]), strict=True):
            scores[i] = score
    looks = [Row(words(text), 0, 1.0, text=text, source=name) for name, text in lookalikes()]
    looks = [extend(row) for row in looks if row.short]
    look_scores = _score(train(rows, recipe), looks)
    attacks = [i for i, row in enumerate(rows) if row.label]
    benign = [i for i, row in enumerate(rows) if not row.label]
    missed = [i for i in attacks if not ruled[i]]
    family = " + ".join(["words", *(flag[2:] for flag in FAMILIES if flag in argv)])
    print(f"short rows ({family}): {len(attacks)} attacks ({len(attacks) - len(missed)} caught "
          f"by the rules), {len(benign)} benign ({sum(ruled[i] for i in benign)} flagged by the "
          f"rules), {len(looks)} look-alikes")  # fmt: skip
    ranked = sorted((scores[i] for i in benign), reverse=True)
    bars = [(f"FP budget {b:.1%}", ranked[int(b * len(benign))]) for b in BUDGETS]
    ranked_looks = sorted(look_scores, reverse=True)
    for share in LOOKALIKE_SHARES:
        bars.append((f"look-alikes <= {share:.0%}", ranked_looks[int(share * len(looks))] + 1e-9))
    bars.append(("no look-alike flagged", max(look_scores) + 1e-9))
    for title, bar in bars:
        caught = [i for i in attacks if scores[i] >= bar]
        print(f"  {title:<22} threshold {bar:.4f}: model alone {len(caught) / len(attacks):6.1%}, "
              f"rule misses caught {sum(not ruled[i] for i in caught)} of {len(missed)}, "
              f"new benign FP {sum(scores[i] >= bar and not ruled[i] for i in benign)} of "
              f"{len(benign)}, look-alikes flagged {sum(s >= bar for s in look_scores)} "
              f"of {len(looks)}")  # fmt: skip
    _detail(rows, scores, looks, look_scores, bars[0][1])
    return 0


def _detail(
    rows: list[Row], scores: list[float], looks: list[Row], look_scores: list[float], bar: float
) -> None:
    """At the first budget: the model's detection alone per held-out package, and the
    look-alikes it flags per test file (which families it confuses)."""
    packages: dict[str, list[bool]] = {}
    for row, score in zip(rows, scores, strict=True):
        if row.label:
            packages.setdefault(_package(row), []).append(score >= bar)
    print("  at the first budget, model alone per package held out: " + ", ".join(
        f"{name} {sum(hits)}/{len(hits)}" for name, hits in sorted(packages.items())))  # fmt: skip
    files: dict[str, int] = {}
    for row, score in zip(looks, look_scores, strict=True):
        files[row.source] = files.get(row.source, 0) + (score >= bar)
    print("  look-alikes flagged per test file: " + ", ".join(
        f"{name} {n}" for name, n in sorted(files.items()) if n))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
