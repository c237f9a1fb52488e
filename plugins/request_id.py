"""request_id: propagate a trusted X-Request-ID, or keep the gateway's own, end to end.

The core gives every exchange an id and puts it on every response. This plugin decides
whether a client's own id is believed (length- and charset-checked, so it cannot inject into
logs), sends the id to the provider so both sides' logs line up, and names the header.
"""

from __future__ import annotations

import re

from pydantic import Field
from starlette.responses import Response

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

    async def on_request(self, ex: Exchange) -> Response | None:
        if self.options.trust_incoming:
            incoming = ex.request_headers.get(self._header)
            if incoming and len(incoming) <= self.options.max_length and _SAFE.match(incoming):
                ex.request_id = incoming
        if self.options.forward:
            ex.request_headers[self._header] = ex.request_id
        elif self._header in ex.request_headers:
            del ex.request_headers[self._header]
        return None

    async def on_response(self, ex: Exchange) -> None:
        ex.response_headers[self._header] = ex.request_id
