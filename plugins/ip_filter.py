"""ip_filter: allow/deny CIDR lists and automatic, escalating bans shared by every instance.

The client address is ``ex.client_ip``, which the core already resolved (the socket peer, or
the rightmost untrusted X-Forwarded-For hop when the peer is one of ``trusted_proxies``), so
a client behind a trusted proxy is judged by its own address, and a forged header from an
untrusted peer changes nothing.

``auto_ban`` watches the security events other plugins record (``auth_failed``,
``rate_limited``, ``scan_blocked``...). In the complete phase each qualifying event is one
``store.hit`` on the address's sliding window; the hit that reaches ``after`` within
``within`` bans the address in the shared store, so every instance refuses it at once. With
``escalate``, each ban of the same address within ``remember`` doubles (``ban_for * 2^n``,
capped at ``max_ban``). IPv6 clients are banned by their /``ipv6_prefix`` network, since one
host usually owns a whole /64. Bans are listed and lifted on the admin listener.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from pydantic import Field, field_validator, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugins._limits import retry_after
from proxy.clientip import address_unit, parse_address
from proxy.config.types import Duration
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services

Network = IPv4Network | IPv6Network
BAN_PREFIX = "ip_filter:"
DEFAULT_ON = ("auth_failed", "rate_limited", "scan_blocked")


def _networks(values: Sequence[str]) -> tuple[Network, ...]:
    out = []
    for value in values:
        try:
            out.append(ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4/IPv6 address or CIDR") from None
    return tuple(out)


class AutoBan(PluginOptions):
    after: int = Field(20, ge=1, description="Events that trigger a ban.")
    within: Duration = Field(60.0, gt=0, description="Sliding window the events must fall in.")
    ban_for: Duration = Field(900.0, gt=0, description="Length of a first ban.")
    on: list[str] = Field(list(DEFAULT_ON), min_length=1, description="Event types counted.")
    escalate: bool = Field(True, description="Double the ban for each repeat offence.")
    max_ban: Duration = Field(86400.0, gt=0, description="Longest ban escalation reaches.")
    remember: Duration = Field(86400.0, gt=0, description="How long offences are remembered.")


class IpFilter(Plugin):
    name = "ip_filter"
    uses_shared_state = True

    class Options(PluginOptions):
        allow: list[str] = Field(
            [], description="CIDRs allowed (v4/v6); when set, every other address gets 403."
        )
        deny: list[str] = Field([], description="CIDRs refused with 403 (checked after allow).")
        auto_ban: AutoBan | None = Field(None, description="Ban addresses that misbehave.")
        ipv6_prefix: int = Field(
            64, ge=32, le=128, description="IPv6 clients are banned by this network size."
        )

        @field_validator("allow", "deny")
        @classmethod
        def _cidrs(cls, value: list[str]) -> list[str]:
            _networks(value)
            return value

        @model_validator(mode="after")
        def _sane(self) -> IpFilter.Options:
            ban = self.auto_ban
            if ban is not None and ban.max_ban < ban.ban_for:
                raise ValueError("auto_ban.max_ban must be >= auto_ban.ban_for")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._allow = _networks(options.allow)
        self._deny = _networks(options.deny)
        self._ban = options.auto_ban
        self._on = frozenset(options.auto_ban.on) if options.auto_ban else frozenset()
        # Client addresses repeat: cache the parse and the list checks per address.
        self._verdict = lru_cache(maxsize=65536)(self._judge)
        self._unit = lru_cache(maxsize=65536)(self.ban_unit)

    def _judge(self, address: str) -> str | None:
        """Why a static list refuses ``address``, or None when it may pass. A mapped IPv6
        address is judged as the IPv4 address it carries (issue 17, M2)."""
        ip = parse_address(address)
        if ip is None:
            return "unparsable client address" if self._allow else None
        if self._allow and not any(ip in net for net in self._allow if net.version == ip.version):
            return "address not in allow list"
        if any(ip in net for net in self._deny if net.version == ip.version):
            return "address in deny list"
        return None

    def ban_unit(self, address: str) -> str:
        """What a ban covers: the address (IPv4) or its /ipv6_prefix network (IPv6)."""
        return address_unit(address, self.options.ipv6_prefix)

    async def on_request(self, ex: Exchange) -> Response | None:
        reason = self._verdict(ex.client_ip)
        if reason is not None:
            if not self.monitoring:
                ex.record_event("ip_denied", self.name, reason)
            raise PolicyError(403, "forbidden", "access from this address is not allowed")
        if self._ban is None or not ex.client_ip:
            return None
        left = await self.services.store.banned(BAN_PREFIX + self._unit(ex.client_ip))
        if left is not None:
            if not self.monitoring:
                ex.record_event("ip_banned", self.name, "address is banned")
            raise PolicyError(403, "ip_banned", "this address is temporarily banned",
                              {"Retry-After": retry_after(left)})  # fmt: skip
        return None

    async def on_complete(self, ex: Exchange) -> None:
        ban = self._ban
        if ban is None or not ex.client_ip:
            return
        counted = sum(1 for e in ex.events if e.type in self._on and not e.monitored)
        if not counted:
            return
        unit = self._unit(ex.client_ip)
        store = self.services.store
        for _ in range(counted):
            hits = await store.hit(BAN_PREFIX + "hits:" + unit, ban.within)
            # Exactly one hit sees `after` (hits are atomic); a later one re-bans only when
            # the window kept filling after an earlier ban ran out.
            if hits == ban.after or (
                hits > ban.after and await store.banned(BAN_PREFIX + unit) is None
            ):
                await self._impose(unit)
                return

    async def _impose(self, unit: str) -> None:
        ban = self._ban
        assert ban is not None
        store = self.services.store
        duration = ban.ban_for
        if ban.escalate:
            offences = await store.incr(BAN_PREFIX + "offences:" + unit, 1, ban.remember)
            duration = min(ban.max_ban, ban.ban_for * 2 ** max(0, int(offences) - 1))
        await store.ban(BAN_PREFIX + unit, duration)
        self.services.log.warning("ip_filter banned %s for %.0fs", unit, duration,
                                  extra={"event": "ip_auto_banned", "ip": unit,
                                         "ban_seconds": duration})  # fmt: skip
        self.services.metrics.journal.event(
            "ip_auto_banned", self.name, f"banned for {duration:.0f}s", ip=unit,
            detail={"ban_seconds": duration})  # fmt: skip

    # -- admin ----------------------------------------------------------------------------------

    def admin_routes(self) -> list[BaseRoute]:
        return [
            Route("/-/bans", self._list_bans, methods=["GET"]),
            Route("/-/bans/{ip:path}", self._lift_ban, methods=["DELETE"]),
        ]

    async def _list_bans(self, request: Request) -> Response:
        bans = await self.services.store.bans(BAN_PREFIX)
        items = [{"ip": key[len(BAN_PREFIX):], "seconds_left": round(left, 1)}
                 for key, left in sorted(bans.items())]  # fmt: skip
        return JSONResponse({"bans": items})

    async def _lift_ban(self, request: Request) -> Response:
        raw = request.path_params["ip"]
        try:
            unit = str(ip_network(raw, strict=False)) if "/" in raw else self.ban_unit(raw)
            if "/" not in raw:
                ip_address(raw.strip("[]"))
        except ValueError:
            return JSONResponse({"error": f"{raw!r} is not an IP address or network"}, 400)
        lifted = await self.services.store.unban(BAN_PREFIX + unit)
        return JSONResponse({"ip": unit, "lifted": lifted}, 200 if lifted else 404)

    def describe(self) -> dict[str, Any]:
        ban = self._ban
        return {
            "allow": self.options.allow,
            "deny": self.options.deny,
            "auto_ban": None if ban is None else {
                "after": ban.after, "within": ban.within, "ban_for": ban.ban_for,
                "on": sorted(self._on), "escalate": ban.escalate, "max_ban": ban.max_ban,
            },
        }  # fmt: skip
