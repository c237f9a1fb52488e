"""aiohttp's client protocol for the gateway's connections: the read timeout kept by one
timer per connection, the response parser kept across a kept-alive connection's responses,
and no resume of a reader that was never paused.

Stock ``ResponseHandler`` starts an event-loop timer when a request is sent, cancels it and
starts another on every read from the socket (a JSON answer usually arrives in one), and
cancels that at the body's end; ``set_response_params`` builds a new llhttp parser for every
request. Two timers and a parser per request, where the provider answers within the timeout
and on the same connection nearly every time.

Here a read in progress only moves the connection's deadline (``loop.time() + timeout``,
exactly what stock aiohttp would arm), and one timer per connection checks it when it
fires: still reading and the deadline passed, the read times out as in aiohttp
(``_on_read_timeout``); the deadline moved on, the timer is armed again for it; nothing
reading, it stops. A deadline earlier than the armed timer (a shorter timeout after a longer
one) arms it again at once, so a timeout never fires later than aiohttp's would. A kept-alive
connection in steady use thus arms about one timer per timeout period instead of two per
request. The parser is built again only when the response parameters differ from the ones
it was built with (a HEAD after a GET, which reads no body); llhttp starts each response
of a kept-alive connection afresh, as aiohttp's server parser does for each request, and a
connection whose last response was not read to its end is never reused.

The body reader asks the protocol to resume reading each time its buffer runs low — twice
per response, paused or not — and the stock resume feeds the parser an empty chunk and
resumes the transport; here that is skipped while nothing is paused and the parser holds
nothing back (it can only hold bytes back after a pause).

Through sockets (callgrind, Granian, c=64) these cut the core from 712,610 to 685,615
instructions per request (the timers and the parser), 679,023 with the rest of this round.

``aiohttp`` is pinned to a minor version in pyproject.toml for the private names used here;
``tests/integration/test_aiohttp_timers.py`` checks the timeouts and the parser reuse.
"""

from __future__ import annotations

import asyncio

from aiohttp.client_proto import ResponseHandler
from aiohttp.helpers import BaseTimerContext

# What ``set_response_params`` gets besides ``skip_payload`` and ``read_timeout``, the same for
# every request of one session: read_bufsize, timeout_ceil_threshold, timer, max_line_size,
# max_field_size, max_headers.
ResponseParams = tuple[int, float, BaseTimerContext, int, int, int]


class ProxyResponseHandler(ResponseHandler):
    """One connection to a provider (built by the connector's protocol factory)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self._deadline: float | None = None  # when the read in progress times out
        self._armed = 0.0  # when the timer (``_read_timeout_handle``) fires
        self._parser_params: tuple[ResponseParams, bool] | None = None
        self._held = False  # paused since the parser last resumed

    def prepare(
        self, params: ResponseParams, skip_payload: bool, read_timeout: float | None
    ) -> None:
        """``set_response_params`` for the next response, the parser kept when ``params`` and
        ``skip_payload`` are the ones it was built with."""
        key = (params, skip_payload)
        if self._parser is not None and key == self._parser_params and not self._tail:
            self._skip_payload = skip_payload
            self._read_timeout = read_timeout
            return
        bufsize, ceil, timer, max_line, max_field, max_headers = params
        self.set_response_params(
            timer=timer,
            skip_payload=skip_payload,
            read_until_eof=True,
            auto_decompress=False,
            read_timeout=read_timeout,
            read_bufsize=bufsize,
            timeout_ceil_threshold=ceil,
            max_line_size=max_line,
            max_field_size=max_field,
            max_headers=max_headers,
        )
        self._parser_params = key

    # -- flow control ------------------------------------------------------------------------

    def pause_reading(self) -> None:
        self._held = True  # the parser may keep bytes back until a resume with the parser
        super().pause_reading()

    def resume_reading(self, resume_parser: bool = True) -> None:
        """aiohttp's, unless nothing is paused or held back: the body reader asks for a
        resume whenever its buffer runs low (twice per response), and the stock call then
        feeds the parser an empty chunk and resumes a transport that was never paused."""
        if not (self._held or self._reading_paused or self._buffer_paused or self._tail):
            return
        if resume_parser:
            self._held = False  # a pause during this resume sets it again
        super().resume_reading(resume_parser)

    # -- the read timeout --------------------------------------------------------------------

    def _reschedule_timeout(self) -> None:
        timeout = self._read_timeout
        if not timeout:
            self._deadline = None
            return
        loop = self._loop
        self._deadline = deadline = loop.time() + timeout
        handle = self._read_timeout_handle
        if handle is not None:
            if deadline >= self._armed:
                return  # the timer fires first and finds the deadline moved on
            handle.cancel()
        self._armed = deadline
        self._read_timeout_handle = loop.call_at(deadline, self._on_timer)

    def _drop_timeout(self) -> None:
        self._deadline = None
        if self.transport is None:  # closed: the timer goes now rather than when it fires
            self._cancel_timer()

    def _on_timer(self) -> None:
        self._read_timeout_handle = None
        deadline = self._deadline
        if deadline is None or self.transport is None:
            return
        if self._loop.time() < deadline:
            self._armed = deadline
            self._read_timeout_handle = self._loop.call_at(deadline, self._on_timer)
            return
        self._deadline = None
        self._on_read_timeout()

    def _cancel_timer(self) -> None:
        handle = self._read_timeout_handle
        if handle is not None:
            handle.cancel()
            self._read_timeout_handle = None

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        self._cancel_timer()
