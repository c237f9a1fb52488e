"""Spend per team, key or model, per day or month: a chart, a table and a CSV download, all
from the admin API's ``/-/api/spend`` (the same rows ``sluicegate spend`` prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from proxy.console.charts import Series, bars
from proxy.console.render import HEADERS, page
from proxy.console.session import Session

if TYPE_CHECKING:
    from proxy.console.app import Console

GROUPS = ("team", "key", "model")
PASSED = ("month", "from", "to", "team", "key", "model")


def _params(request: Request) -> dict[str, str]:
    query = request.query_params
    group = query.get("group_by", "team")
    params = {
        "group_by": group if group in GROUPS else "team",
        "period": "month" if query.get("period") == "month" else "day",
    }
    for name in PASSED:
        value = query.get(name, "").strip()
        if value:
            params[name] = value
    return params


async def spend_page(console: Console, request: Request, session: Session) -> Response:
    params = _params(request)
    answer = await console.client.call("GET", "/-/api/spend", params=params)
    rows = answer.body if answer.ok and isinstance(answer.body, list) else []
    group = params["group_by"]
    totals: dict[str, float] = {}
    requests: dict[str, float] = {}
    for row in rows:
        label = str(row.get(group) or "(none)")
        totals[label] = totals.get(label, 0.0) + float(row.get("cost_usd") or 0.0)
        requests[label] = requests.get(label, 0.0) + float(row.get("requests") or 0)
    labels = sorted(totals, key=lambda name: -totals[name])[:20]
    cost_chart = bars(
        labels, [Series("cost", "s-cost", [totals[n] for n in labels])], f"Cost by {group}", " $"
    )
    periods = sorted({str(row["period"]) for row in rows})
    by_period = [
        sum(float(r.get("requests") or 0) for r in rows if r["period"] == p) for p in periods
    ]
    period_chart = bars(
        periods,
        [Series("requests", "s-requests", by_period)],
        f"Requests per {params['period']}",
    )
    return page(
        "spend.html",
        200 if answer.ok else 400,
        session=session,
        nav="spend",
        rows=rows,
        group=group,
        params=params,
        cost_chart=cost_chart,
        period_chart=period_chart,
        problem=None if answer.ok else answer.error,
        csv_query="&".join(f"{k}={v}" for k, v in params.items()),
    )


async def spend_csv(console: Console, request: Request, session: Session) -> Response:
    params = {**_params(request), "format": "csv"}
    answer = await console.client.call("GET", "/-/api/spend", params=params)
    if not answer.ok:
        return page("refused.html", 400, reason=answer.error)
    return Response(
        answer.text,
        media_type="text/csv",
        headers={
            **HEADERS,
            "content-disposition": f'attachment; filename="spend-{params["group_by"]}.csv"',
        },
    )
