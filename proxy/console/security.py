"""Recent security events (from the process's journal) with filters, and the current bans
(from ``ip_filter``'s ``/-/bans``) with unban."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proxy.console.forms import text
from proxy.console.render import HEADERS, page
from proxy.console.session import Session

if TYPE_CHECKING:
    from proxy.console.app import Console

SHOWN = 200


async def security_page(console: Console, request: Request, session: Session) -> Response:
    query = request.query_params
    wanted_type = query.get("type", "").strip()
    wanted_ip = query.get("ip", "").strip()
    journal = console.gateway.runtime.metrics.journal
    events = list(reversed(journal.events))
    types = sorted({event.type for event in events})
    if wanted_type:
        events = [e for e in events if e.type == wanted_type]
    if wanted_ip:
        events = [e for e in events if e.ip and wanted_ip in e.ip]
    bans = await console.client.call("GET", "/-/bans")
    ban_list = bans.body.get("bans", []) if bans.ok and isinstance(bans.body, dict) else []
    lifted = query.get("lifted")
    return page(
        "security.html",
        session=session,
        nav="security",
        events=events[:SHOWN],
        total=len(events),
        types=types,
        wanted_type=wanted_type,
        wanted_ip=wanted_ip,
        bans=ban_list,
        bans_available=bans.ok,
        lifted=lifted,
    )


async def unban(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    unit = text(form, "ip")
    answer = await console.client.call("DELETE", f"/-/bans/{quote(unit, safe='')}")
    if not answer.ok:
        return page("refused.html", answer.status, reason=answer.error)
    return RedirectResponse(f"/-/ui/security?lifted={quote(unit)}", 303, headers=HEADERS)
