"""cors: browser cross-origin access, decided at the gateway so providers never have to.

Origins are exact (``https://app.example.com``) or one-level-or-deeper subdomain patterns
(``https://*.example.com``), compiled to anchored regexes at load. The pattern's host part is
built from DNS label characters only, so it cannot match ``https://evil.com/.example.com``
(a path) or ``https://example.com.evil.com`` (a suffix). ``*`` alone allows any origin, and is
refused at load together with ``allow_credentials``: the gateway never hands credentials to an
origin it does not know, neither by ``*`` nor by reflecting whatever ``Origin`` arrived.

A preflight (``OPTIONS`` + ``Origin`` + ``Access-Control-Request-Method``) is answered here
with 204; a preflight the policy does not allow gets a 403 envelope (type ``cors_rejected``)
without any ``Access-Control-*`` header, so the browser refuses and the operator sees why in
the logs. Actual requests from an unknown origin are forwarded without CORS headers (the
browser hides the answer), unless ``reject_disallowed`` turns them into the same 403.
Upstream ``Access-Control-*`` headers are always replaced: the policy is the single authority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator
from starlette.datastructures import MutableHeaders
from starlette.responses import Response

from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?:{_LABEL}\.)*{_LABEL}$|^\[[0-9a-f:.]+\]$")
_ORIGIN = re.compile(r"^(https?)://([^/:?#]+)(?::(\d{1,5}))?$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_ACCESS_CONTROL = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
)
_PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")


def compile_origin(entry: str) -> str | re.Pattern[str]:
    """An exact origin (returned lowercased) or a ``scheme://*.domain[:port]`` pattern.

    Raises ValueError with the fix in the message for anything else.
    """
    lowered = entry.strip().lower()
    if lowered == "null":
        raise ValueError(
            '"null" is the origin of sandboxed iframes and file: pages; anyone can send it'
        )
    if lowered.endswith("/"):
        raise ValueError(f"{entry!r}: an origin has no path; write {entry.rstrip('/')!r}")
    match = _ORIGIN.fullmatch(lowered)
    if match is None:
        raise ValueError(f"{entry!r}: expected scheme://host[:port], e.g. https://app.example.com")
    scheme, host, port = match.groups()
    suffix = f":{port}" if port else ""
    if host.startswith("*."):
        domain = host[2:]
        if "*" in domain or not _HOST.fullmatch(domain) or "." not in domain:
            raise ValueError(f"{entry!r}: a pattern is *.<domain with a dot>, e.g. *.example.com")
        return re.compile(rf"^{scheme}://(?:{_LABEL}\.)+{re.escape(domain)}{re.escape(suffix)}$")
    if "*" in host or not _HOST.fullmatch(host):
        raise ValueError(f"{entry!r}: '*' may only be the whole leftmost label (*.example.com)")
    return f"{scheme}://{host}{suffix}"


@dataclass(slots=True)
class CorsState:
    allow: str | None = None  # the Access-Control-Allow-Origin value for this request
    preflight: bool = False


class Cors(Plugin):
    name = "cors"

    class Options(PluginOptions):
        allow_origins: list[str] = Field(
            min_length=1,
            description='Exact origins, "https://*.example.com" patterns, or ["*"] (any).',
        )
        allow_methods: list[str] = Field(
            default_factory=lambda: ["GET", "POST"],
            description="Methods a preflight may ask for.",
        )
        allow_headers: list[str] = Field(
            default_factory=lambda: ["Authorization", "Content-Type", "X-Request-ID"],
            description='Request headers a preflight may ask for; ["*"] allows any.',
        )
        expose_headers: list[str] = Field(
            default_factory=lambda: ["X-Request-ID", "Retry-After"],
            description="Response headers browser code may read.",
        )
        allow_credentials: bool = Field(
            False, description="Let browsers send cookies/Authorization and read the answer."
        )
        max_age: int = Field(600, ge=0, le=86400, description="Seconds a preflight is cached.")
        reject_disallowed: bool = Field(
            False, description="Answer 403 to actual requests from a disallowed origin."
        )

        @model_validator(mode="after")
        def _check(self) -> Cors.Options:
            if "*" in self.allow_origins:
                if len(self.allow_origins) > 1:
                    raise ValueError(
                        'allow_origins: "*" already allows every origin; list it alone'
                    )
                if self.allow_credentials:
                    raise ValueError(
                        'allow_origins = ["*"] with allow_credentials = true would let any site '
                        "act with the user's credentials; list the trusted origins instead"
                    )
            else:
                for entry in self.allow_origins:
                    compile_origin(entry)
            if "*" in self.allow_headers and self.allow_credentials:
                raise ValueError('allow_headers = ["*"] cannot be used with allow_credentials')
            for where, names in (
                ("allow_methods", self.allow_methods),
                ("allow_headers", [h for h in self.allow_headers if h != "*"]),
                ("expose_headers", self.expose_headers),
            ):
                for name in names:
                    if not _TOKEN.fullmatch(name):
                        raise ValueError(f"{where}: {name!r} is not a valid token")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._any = options.allow_origins == ["*"]
        compiled = [] if self._any else [compile_origin(o) for o in options.allow_origins]
        self._exact = frozenset(c for c in compiled if isinstance(c, str))
        self._patterns = tuple(c for c in compiled if isinstance(c, re.Pattern))
        self._methods = frozenset(m.upper() for m in options.allow_methods)
        self._methods_value = ", ".join(dict.fromkeys(m.upper() for m in options.allow_methods))
        self._any_header = "*" in options.allow_headers
        self._headers = frozenset(h.lower() for h in options.allow_headers)
        self._headers_value = ", ".join(options.allow_headers)
        self._expose_value = ", ".join(options.expose_headers)
        self._max_age = str(options.max_age)

    def allowed(self, origin: str) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None if not allowed."""
        if self._any:
            return "*"
        lowered = origin.lower()
        if lowered in self._exact or any(p.fullmatch(lowered) for p in self._patterns):
            return origin
        return None

    async def on_request(self, ex: Exchange) -> Response | None:
        origin = ex.request_headers.get("origin")
        if origin is None:
            return None
        allow = self.allowed(origin)
        wanted = ex.request_headers.get("access-control-request-method")
        if ex.method == "OPTIONS" and wanted is not None:
            return self._preflight(ex, allow, wanted)
        if allow is None and self.options.reject_disallowed:
            ex.record_event("cors_rejected", self.name, "origin not allowed")
            raise PolicyError(403, "cors_rejected", "cross-origin request not allowed")
        ex.state_for(self, CorsState).allow = allow
        return None

    def _preflight(self, ex: Exchange, allow: str | None, wanted: str) -> Response:
        requested = [
            h.strip().lower()
            for h in (ex.request_headers.get("access-control-request-headers") or "").split(",")
            if h.strip()
        ]
        why = None
        if allow is None:
            why = "origin not allowed"
        elif wanted.upper() not in self._methods:
            why = "method not allowed"
        elif not self._any_header and any(h not in self._headers for h in requested):
            why = "header not allowed"
        if why is not None:
            ex.record_event("cors_rejected", self.name, why, preflight=True)
            raise PolicyError(403, "cors_rejected", f"CORS preflight refused: {why}")
        assert allow is not None
        headers = {
            "access-control-allow-origin": allow,
            "access-control-allow-methods": self._methods_value,
            "access-control-max-age": self._max_age,
        }
        if requested:
            headers["access-control-allow-headers"] = (
                ", ".join(requested) if self._any_header else self._headers_value
            )
        if self.options.allow_credentials:
            headers["access-control-allow-credentials"] = "true"
        ex.state_for(self, CorsState).preflight = True
        return Response(status_code=204, headers=headers)

    async def on_response(self, ex: Exchange) -> None:
        state = ex.state_for(self, CorsState)
        headers = ex.response_headers
        if state.preflight:
            _add_vary(headers, _PREFLIGHT_VARY)
            return
        for name in _ACCESS_CONTROL:
            if name in headers:
                del headers[name]
        if not self._any:
            _add_vary(headers, ("Origin",))
        allow = state.allow
        if allow is None:
            return
        headers["access-control-allow-origin"] = allow
        if self.options.allow_credentials:
            headers["access-control-allow-credentials"] = "true"
        if self._expose_value:
            headers["access-control-expose-headers"] = self._expose_value

    def describe(self) -> dict[str, Any]:
        return {
            "origins": list(self.options.allow_origins),
            "credentials": self.options.allow_credentials,
        }


def _add_vary(headers: MutableHeaders, names: tuple[str, ...]) -> None:
    """Merge ``names`` into one Vary header without duplicates (a cache keys on it)."""
    present = [v.strip() for v in (headers.get("vary") or "").split(",") if v.strip()]
    if "*" in present:
        return
    known = {v.lower() for v in present}
    merged = present + [n for n in names if n.lower() not in known]
    headers["vary"] = ", ".join(merged)
