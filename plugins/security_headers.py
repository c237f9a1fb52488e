"""security_headers: OWASP Secure Headers on every response, leaks stripped from upstream ones.

The values come from the OWASP Secure Headers Project (``ci/headers_add.json`` and
``headers_remove.json``) trimmed for what an API gateway answers: JSON and SSE, never HTML.
Two presets exist so operators pick a posture rather than copy twenty strings; any header can
then be overridden (``headers``) or dropped (``remove``). docs/security-headers.md lists each
preset's exact values, and the tests check them header by header.

Put this plugin FIRST in a policy: the response phase runs in reverse order and only for
plugins whose request phase ran, so the first plugin is the one that also dresses every
refusal made by a later plugin (401, 429, 413...). Error responses additionally get
``Cache-Control: no-store`` so a shared cache never keeps a refusal meant for one caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from plugins._headers import encode_pairs, replace_headers
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services

Preset = Literal["api", "strict", "none"]

_API: Mapping[str, str] = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Permitted-Cross-Domain-Policies": "none",
}

_STRICT: Mapping[str, str] = {
    **_API,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "Content-Security-Policy": (
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
    ),
    "Permissions-Policy": (
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
        "fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
        "payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), "
        "sync-xhr=(), usb=(), web-share=(), xr-spatial-tracking=()"
    ),
    "Cross-Origin-Embedder-Policy": "require-corp",
    "X-DNS-Prefetch-Control": "off",
    "Cache-Control": "no-store, max-age=0",
}

PRESETS: Mapping[str, Mapping[str, str]] = {"api": _API, "strict": _STRICT, "none": {}}
"""Preset name -> the headers it sets on every response (documented in the doc page)."""

DEFAULT_STRIP = (
    "Server",
    "X-Powered-By",
    "X-AspNet-Version",
    "X-AspNetMvc-Version",
    "X-Generator",
    "X-Runtime",
    "X-Version",
    "X-Backend-Server",
    "X-Served-By",
    "Via",
)
"""Upstream response headers that reveal software, versions or internal hosts."""

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class SecurityHeaders(Plugin):
    name = "security_headers"

    class Options(PluginOptions):
        preset: Preset = Field(
            "api", description='Baseline header set: "api", "strict" or "none" (see the doc).'
        )
        headers: dict[str, str] = Field(
            default_factory=dict,
            description='Headers to add or override, e.g. { "X-Frame-Options" = "SAMEORIGIN" }.',
        )
        remove: list[str] = Field(
            default_factory=list, description="Preset headers not to send (case-insensitive)."
        )
        strip: list[str] = Field(
            default_factory=lambda: list(DEFAULT_STRIP),
            description="Headers deleted from upstream responses because they leak internals.",
        )
        error_headers: dict[str, str] = Field(
            default_factory=lambda: {"Cache-Control": "no-store"},
            description="Extra headers on responses with status >= 400 ({} to disable).",
        )

        @model_validator(mode="after")
        def _check(self) -> SecurityHeaders.Options:
            for where, names in (
                ("headers", self.headers),
                ("remove", self.remove),
                ("strip", self.strip),
                ("error_headers", self.error_headers),
            ):
                for name in names:
                    if not _TOKEN.fullmatch(name):
                        raise ValueError(f"{where}: {name!r} is not a valid header name")
            for where, table in (("headers", self.headers), ("error_headers", self.error_headers)):
                for name, value in table.items():
                    if _BAD_VALUE.search(value):
                        raise ValueError(f"{where}.{name}: value contains a control character")
            sent = {n.lower() for n in PRESETS[self.preset]} | {n.lower() for n in self.headers}
            for name in self.remove:
                if name.lower() not in sent:
                    raise ValueError(
                        f"remove: {name!r} is not a header the {self.preset!r} preset sends; "
                        "to delete a header coming from upstream, list it in strip"
                    )
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        removed = {n.lower() for n in options.remove}
        merged = {k.lower(): v for k, v in PRESETS[options.preset].items()}
        merged.update({k.lower(): v for k, v in options.headers.items()})
        self._set = tuple((k, v) for k, v in merged.items() if k not in removed)
        # A header we set ourselves is never stripped, even if also listed in strip.
        ours = {k for k, _ in self._set}
        self._strip = tuple(n.lower() for n in options.strip if n.lower() not in ours)
        self._error = tuple((k.lower(), v) for k, v in options.error_headers.items())
        # What on_response does, decided here: names to drop, pairs to append (an error
        # header replaces a preset one of the same name), encoded once.
        error_names = {k for k, _ in self._error}
        on_error = [(k, v) for k, v in self._set if k not in error_names] + list(self._error)
        self._ok = (_names([*self._strip, *ours]), encode_pairs(self._set))
        self._failed = (
            _names([*self._strip, *ours, *error_names]),
            encode_pairs(on_error),
        )

    async def on_response(self, ex: Exchange) -> None:
        drop, add = self._failed if ex.status >= 400 else self._ok
        replace_headers(ex.response_headers, drop, add)

    def describe(self) -> dict[str, Any]:
        return {
            "preset": self.options.preset,
            "sets": sorted(k for k, _ in self._set),
            "strips": list(self._strip),
        }


def _names(names: list[str]) -> frozenset[bytes]:
    return frozenset(n.lower().encode("latin-1") for n in names)
