"""Load-time screening of operator-supplied regexes for super-linear backtracking.

Python's `re` backtracks, so a custom rule like `(a+)+$` can pin a CPU for minutes on one
request, and even `\\w+@` costs O(n²) over a long run of letters. The parsed pattern is walked
once at config load and rejected when it has:

- an unbounded repeat (`*`, `+`, `{n,}`, or a bound above MAX_REPEAT_BOUND): write `{0,64}`;
- a variable-width repeat nested inside another repeat (`(a{1,5}){1,9}`);
- an alternation inside a repeat whose branches can start with the same character
  (`(a|ab){0,9}`), which is how exponential blow-ups are usually spelled;
- a backreference.

With those gone, the work per start position is bounded by a constant, so a scan is linear in
the text. The check is conservative: it rejects some harmless patterns, never a dangerous one.
"""

from __future__ import annotations

import re
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MAX_REPEAT_BOUND = 1024
"""The largest `{m,n}` upper bound a custom regex may use."""

_REPEATS = {
    sre_parse.MAX_REPEAT,
    sre_parse.MIN_REPEAT,
    getattr(sre_parse, "POSSESSIVE_REPEAT", None),
}


class UnsafePattern(ValueError):
    """A custom regex that could backtrack super-linearly; the message says why and how to fix."""


def check_pattern(pattern: str) -> re.Pattern[str]:
    """Compile `pattern` after rejecting shapes that can backtrack super-linearly."""
    try:
        compiled = re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise UnsafePattern(f"invalid regex {pattern!r}: {exc}") from exc
    _walk(parsed, inside_repeat=False, pattern=pattern)
    return compiled


def _walk(items: Any, inside_repeat: bool, pattern: str) -> None:
    for op, av in items:
        if op in _REPEATS:
            lo, hi, sub = av
            if hi == sre_parse.MAXREPEAT or hi > MAX_REPEAT_BOUND:
                raise UnsafePattern(
                    f"{pattern!r}: unbounded repeats (*, +, {{n,}}) are not allowed in custom "
                    f"rules; use a bound such as {{0,64}} (at most {MAX_REPEAT_BOUND})"
                )
            if inside_repeat and lo != hi:
                raise UnsafePattern(
                    f"{pattern!r}: a variable-length repeat nested inside another repeat can "
                    "backtrack exponentially; flatten it"
                )
            if hi > 1 and _overlapping_branches(sub):
                raise UnsafePattern(
                    f"{pattern!r}: a repeated alternation whose branches can start with the "
                    "same character can backtrack exponentially"
                )
            _walk(sub, inside_repeat or hi > 1, pattern)
        elif op is sre_parse.SUBPATTERN:
            _walk(av[-1], inside_repeat, pattern)
        elif op is sre_parse.BRANCH:
            for branch in av[1]:
                _walk(branch, inside_repeat, pattern)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            _walk(av[1], inside_repeat, pattern)
        elif op in (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS):
            raise UnsafePattern(f"{pattern!r}: backreferences are not allowed in custom rules")
        elif op is getattr(sre_parse, "ATOMIC_GROUP", None):
            _walk(av, inside_repeat, pattern)


def _overlapping_branches(items: Any) -> bool:
    """True if any alternation in `items` has branches whose first characters may coincide."""
    for op, av in items:
        if op is sre_parse.SUBPATTERN and _overlapping_branches(av[-1]):
            return True
        if op is sre_parse.BRANCH:
            seen: set[int] = set()
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None or seen & first:
                    return True
                seen |= first
        elif op is sre_parse.IN:
            continue
    return False


def _first_chars(items: Any) -> set[int] | None:
    """The code points a sequence can start with, or None when that is not simple to know."""
    if not items:
        return None
    op, av = items[0]
    if op is sre_parse.LITERAL:
        return {av}
    if op is sre_parse.IN:
        chars: set[int] = set()
        for iop, iav in av:
            if iop is sre_parse.LITERAL:
                chars.add(iav)
            elif iop is sre_parse.RANGE and iav[1] - iav[0] <= 512:
                chars.update(range(iav[0], iav[1] + 1))
            else:
                return None
        return chars
    if op is sre_parse.SUBPATTERN:
        return _first_chars(av[-1])
    return None
