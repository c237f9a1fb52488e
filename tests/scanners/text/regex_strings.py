"""Hypothesis strategies for texts a rule's regex matches, built from the regex's own parse tree.

A gate is sound only if every match of its rule's regex holds one atom of each need group
(`scanners/text/gates.py`). Checking that on the eval corpora (`evals.same_findings`) proves
it for the texts we have; these strategies look for the texts we do not have: each
alternative, repeat count and character class of the regex drawn by hypothesis
(`re._parser`, the stdlib's own parser), the sample set between random neighbours (a word
character glued on either side is how a whole-word atom stops being one), and kept only when
the regex really finds a match in it. A backreference repeats what its group drew
(`(\\d+)=\\1`), so the rules that compare a value with itself are drawn too.

Characters of a class are drawn from its own literals and ranges; a negated class, `.`, `\\w`,
`\\d` and `\\s` from `UNIVERSE` (ASCII letters, digits and punctuation, a Unicode digit, Latin
and CJK word characters, sentence ends), which is where a gate's blind spots were found.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from hypothesis import strategies as st

from scanners.text.atoms import SEP

UNIVERSE = "az09 \n.,-_/:@{}'\"!?<>|é中你。٣"
"""Characters drawn where the regex allows many: every kind a gate could treat differently
(word or not, ASCII or not, a sentence end, a Unicode digit `\\d` takes and `[0-9]` does not)."""
_REPEAT_MORE = 3
"""An unbounded repeat draws up to this many more than its minimum."""
_CATEGORY = {
    "CATEGORY_DIGIT": "09٣",
    "CATEGORY_NOT_DIGIT": "az _.é中",
    "CATEGORY_WORD": "az09_é中你٣",
    "CATEGORY_NOT_WORD": " \n.,-/:@。",
    "CATEGORY_SPACE": " \n",
    "CATEGORY_NOT_SPACE": "az09._-中",
}


_PARSER: Any = importlib.import_module("re._parser")  # private and unstubbed, as in
_MAXREPEAT = int(importlib.import_module("re._constants").MAXREPEAT)  # evals/regex_sample.py


def _parse(pattern: str) -> Any:
    """The stdlib's parse tree of `pattern`: (opcode, argument) pairs, nested."""
    return _PARSER.parse(pattern)


def _in_class(char: str, items: list[tuple[Any, Any]]) -> bool:
    """Whether `char` is one of a class's items (its NEGATE aside)."""
    code = ord(char)
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and code == av:
            return True
        if name == "RANGE" and av[0] <= code <= av[1]:
            return True
        if name == "CATEGORY" and char in _CATEGORY.get(str(av), ""):
            return True
    return False


def _class(items: list[tuple[Any, Any]]) -> st.SearchStrategy[str]:
    if items and str(items[0][0]) == "NEGATE":
        rest = items[1:]
        return st.sampled_from([c for c in UNIVERSE if not _in_class(c, rest)] or ["a"])
    choices: list[st.SearchStrategy[str]] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            choices.append(st.just(chr(av)))
        elif name == "RANGE":
            choices.append(st.integers(av[0], av[1]).map(chr))
        elif name == "CATEGORY":
            choices.append(st.sampled_from(_CATEGORY.get(str(av), UNIVERSE)))
    return st.one_of(choices) if choices else st.sampled_from(UNIVERSE)


Groups = dict[int, str]
"""What each numbered group of the regex drew so far (a backreference repeats it)."""


def _sequence(draw: st.DrawFn, parsed: Any, groups: Groups) -> str:
    return "".join(_element(draw, op, av, groups) for op, av in parsed)


def _element(draw: st.DrawFn, op: Any, av: Any, groups: Groups) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(av)
    if name == "NOT_LITERAL":
        return draw(st.sampled_from([c for c in UNIVERSE if ord(c) != av]))
    if name == "ANY":
        return draw(st.sampled_from(UNIVERSE.replace("\n", "")))
    if name == "IN":
        return draw(_class(av))
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = av
        top = low + _REPEAT_MORE if high == _MAXREPEAT else min(high, low + _REPEAT_MORE)
        count = draw(st.integers(low, max(low, top)))
        return "".join(_sequence(draw, sub, groups) for _ in range(count))
    if name == "SUBPATTERN":
        text = _sequence(draw, av[-1], groups)
        if av[0] is not None:
            groups[av[0]] = text
        return text
    if name == "ATOMIC_GROUP":
        return _sequence(draw, av, groups)
    if name == "BRANCH":
        return _sequence(draw, draw(st.sampled_from(av[1])), groups)
    if name == "GROUPREF":  # the group's own draw, as the regex demands (`(\d+)=\1`)
        return groups.get(av, "")
    if name == "AT":  # an anchor or `\b`: a space sometimes lets it hold
        return draw(st.sampled_from(["", " "]))
    if name in ("ASSERT", "ASSERT_NOT"):  # the regex itself judges these
        return ""
    raise ValueError(f"unsupported regex element {name}")


@st.composite
def _sample(draw: st.DrawFn, parsed: Any) -> str:
    return _sequence(draw, parsed, {})


def matched_texts(pattern: re.Pattern[str]) -> st.SearchStrategy[str]:
    """Texts in which `pattern` finds a match: a sample of it between random neighbours."""
    around = st.text(alphabet=UNIVERSE, max_size=3)
    texts = st.tuples(around, _sample(_parse(pattern.pattern)), around).map("".join)
    return texts.filter(lambda t: SEP not in t and pattern.search(t) is not None)
