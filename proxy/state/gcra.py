"""The Generic Cell Rate Algorithm as one pure function: the reference for both backends.

GCRA keeps a single number per key, the theoretical arrival time (TAT): when the bucket would
be empty again if requests kept arriving at exactly the allowed rate. With emission interval
``T = period / count`` and capacity ``burst + 1``, a request of ``cost`` is admitted when
``max(TAT, now) + cost*T - (burst+1)*T <= now``. No timers, no refill loop, no drift: the
memory backend runs this function and the redis Lua script is a line-for-line port of it.

Times are compared with a tolerance of ``EPSILON`` intervals so float rounding on a boundary
(``3 * (1/3)`` vs ``1``) never refuses a request the rate allows.
"""

from __future__ import annotations

import math

from proxy.state.base import NEVER, GcraDecision

EPSILON = 1e-9
"""Tolerance, as a fraction of one emission interval, for boundary comparisons."""


def gcra_step(
    tat: float | None, now: float, interval: float, burst: int, cost: int
) -> tuple[GcraDecision, float | None]:
    """Decide one request; return the decision and the TAT to store (None: store nothing).

    ``tat`` is the stored TAT or None for a fresh key; ``interval`` is the emission interval
    in the same unit as ``now``. The decision's durations are in that unit too.
    """
    limit = burst + 1
    tolerance = interval * limit
    slack = interval * EPSILON
    base = now if tat is None or tat < now else tat
    if cost > limit:
        left = math.floor((now - (base - tolerance)) / interval + EPSILON)
        return GcraDecision(False, limit, max(0, left), NEVER, base - now), None
    new_tat = base + interval * cost
    allow_at = new_tat - tolerance
    if allow_at - now > slack:
        left = math.floor((now - (base - tolerance)) / interval + EPSILON)
        return GcraDecision(False, limit, max(0, left), allow_at - now, base - now), None
    remaining = math.floor((now - allow_at) / interval + EPSILON)
    decision = GcraDecision(True, limit, min(limit, remaining), 0.0, new_tat - now)
    return decision, (new_tat if cost else None)
