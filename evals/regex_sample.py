"""A random string that matches a regex: token values in a vendor's secret format.

Vendors' secret-scanning rules (trufflehog3's rule file, detect-secrets' plugins) describe
each format as a regex; the secrets sources turn each into random values that match it
(their formats, our values). Moved out of `evals/sources.py` whole.
"""

from __future__ import annotations

import random
from typing import Any

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _generate(pattern: str, rng: random.Random) -> str:
    """A random string matching `pattern` (the subset of regex syntax vendors' rules use)."""
    import importlib

    parser: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser
    maxrepeat: Any = importlib.import_module("re._constants").MAXREPEAT

    def one_of(items: list[tuple[Any, Any]]) -> str:
        pool: list[str] = []
        negate = False
        for op, av in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                pool.append(chr(av))
            elif name == "RANGE":
                lo, hi = av
                pool += [chr(c) for c in range(lo, hi + 1)]
            elif name == "CATEGORY":
                kind = str(av)
                pool += list("0123456789" if "DIGIT" in kind else " " if "SPACE" in kind
                             else _ALNUM + "_")  # fmt: skip
        if negate:
            pool = [c for c in _ALNUM if c not in pool]
        # `[t|T]` means t or T: a `|` in a class is a common slip for alternation
        pool = [c for c in pool if c != "|"] or pool
        return rng.choice(pool or list(_ALNUM))

    def walk(parsed: Any, repeated: bool = False) -> str:
        out: list[str] = []
        for op, av in parsed:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(av))
            elif name == "NOT_LITERAL":
                out.append(rng.choice([c for c in _ALNUM if c != chr(av)]))
            elif name == "ANY":  # a lone `.` in these rules is an unescaped dot (hooks.slack)
                out.append(rng.choice(_ALNUM) if repeated else ".")
            elif name == "IN":
                out.append(one_of(av))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                lo, hi, sub = av
                top = lo + 4 if hi == maxrepeat else hi
                out += [walk(sub, True) for _ in range(rng.randint(lo, max(lo, top)))]
            elif name == "SUBPATTERN":
                out.append(walk(av[-1], repeated))
            elif name == "BRANCH":
                out.append(walk(rng.choice(av[1]), repeated))
            elif name == "AT":
                continue
            else:
                raise ValueError(f"unsupported regex element {name}")
        return "".join(out)

    return walk(parser.parse(pattern))
