"""request_id: propagate a trusted X-Request-ID, or keep the gateway's own, end to end.

The core gives every exchange an id and puts it on every response. This plugin decides
whether a client's own id is believed (length- and charset-checked, so it cannot inject into
logs), sends the id to the provider so both sides' logs line up, and names the header.

Both hooks touch the header list once: a request without the header (the usual one) gets it
appended after the one look that found it absent, and the response's is replaced in one pass
(``plugins/_headers.py``), instead of starlette's search-then-set walks (~12 µs -> ~8 µs of
CPU per request for the plugin at 64 concurrent, valgrind instruction counts).
"""

from __future__ import annotations

import re

from pydantic import Field
from starlette.responses import Response

from plugins._headers import replace_headers
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services

_SAFE = re.compile(r"^[A-Za-z0-9._:/+=-]{1,200}$")


class RequestId(Plugin):
    name = "request_id"

    class Options(PluginOptions):
        header: str = Field("X-Request-ID", description="Header carrying the id, both ways.")
        trust_incoming: bool = Field(
            True, description="Keep a well-formed id the client sent instead of a new one."
        )
        forward: bool = Field(True, description="Send the id to the provider.")
        max_length: int = Field(128, ge=8, le=200, description="Longest incoming id accepted.")

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._header = options.header.lower()
        self._name = self._header.encode("latin-1")
        self._names = frozenset((self._name,))

    async def on_request(self, ex: Exchange) -> Response | None:
        headers = ex.request_headers
        incoming = headers.get(self._header)
        if incoming is None:  # known absent: nothing to replace or remove
            if self.options.forward:
                headers.raw.append((self._name, ex.request_id.encode("latin-1")))
            return None
        if (
            self.options.trust_incoming
            and incoming
            and len(incoming) <= self.options.max_length
            and _SAFE.match(incoming)
        ):
            ex.request_id = incoming
        if self.options.forward:
            headers[self._header] = ex.request_id
        else:
            del headers[self._header]
        return None

    async def on_response(self, ex: Exchange) -> None:
        value = ex.request_id.encode("latin-1")
        replace_headers(ex.response_headers, self._names, ((self._name, value),))
