"""The overview page: routes → policy → upstream, each target's health, breaker, in-flight,
time to first byte and error rate, the last 15 minutes' request and error rates (from the
process's own journal), the config version and the last reload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from proxy.console.charts import Series, bars
from proxy.console.render import page
from proxy.console.session import Session

if TYPE_CHECKING:
    from proxy.console.app import Console


def _target_row(upstream: str, target: dict[str, Any]) -> dict[str, Any]:
    breaker = target.get("breaker") or {}
    state = breaker.get("state", "closed") if isinstance(breaker, dict) else str(breaker)
    return {
        "upstream": upstream,
        "provider": target["provider"],
        "healthy": bool(target.get("healthy")),
        "available": bool(target.get("available")),
        "breaker": state,
        "in_flight": target.get("in_flight", 0),
        "ttfb_ms": target.get("ttfb_ewma_ms"),
        "error_rate": float(target.get("error_rate") or 0.0),
        "requests": target.get("requests_in_window", 0),
    }


async def overview(console: Console, request: Request, session: Session) -> Response:
    runtime = console.gateway.runtime
    status = runtime.status()
    targets = [
        _target_row(name, target)
        for name, group in status["upstreams"].items()
        for target in group["targets"]
    ]
    journal = runtime.metrics.journal
    points = journal.rates()
    chart = bars(
        [f"-{p.seconds_ago // 60}m{p.seconds_ago % 60:02d}s" for p in points],
        [
            Series("requests", "s-requests", [p.requests for p in points]),
            Series("errors (5xx)", "s-errors", [p.errors for p in points]),
        ],
        "Requests and errors per 10 seconds, last 15 minutes",
    )
    recent = points[-6:]
    minute = {
        "requests": sum(p.requests for p in recent),
        "errors": sum(p.errors for p in recent),
    }
    return page(
        "overview.html",
        session=session,
        nav="overview",
        st=status,
        targets=targets,
        chart=chart,
        minute=minute,
        last_reload=journal.last_reload,
        failed_reload=journal.last_failed_reload,
        workers=runtime.loaded.config.server.workers,
    )
