"""Server-rendered pages: Jinja2 templates from this package, with the console's headers.

Why server-rendered: the console is a handful of tables and forms over the admin API; with
templates there is no build step, no JavaScript bundle to keep in step with the API, and
every page works with JavaScript off (``static/console.js`` only adds copy buttons, row
filters and the overview's refresh). Jinja2 escapes every value by default.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

HERE = Path(__file__).parent
# No inline script or style anywhere: scripts, styles and images only from this listener.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no-referrer would make Origin "null"
    "cache-control": "no-store",
}


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _money(value: Any) -> str:
    return "—" if value is None else f"${float(value):,.4f}"


def _limit(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["when"] = _when
ENV.filters["money"] = _money
ENV.filters["limit"] = _limit


def page(name: str, status: int = 200, **context: Any) -> Response:
    html = ENV.get_template(name).render(**context)
    return HTMLResponse(html, status, headers=HEADERS)
