"""One redis connection: commands written per loop turn, replies parsed by hiredis and
settled in order, error replies mapped (``proxy.state.resp`` explains why the client is ours).

Split from ``RespClient`` so each file has one job: this module is the socket (the protocol
object, its write batching, its reply watchdog, what an error reply raises, where a node
is); ``proxy.state.resp`` opens it, shares one connect among concurrent callers, and gives
callers ``execute``/``evalsha``.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import hiredis

from proxy.state.base import StateUnavailable
from proxy.state.packing import Script, pack

_FOLLOWED_REPLIES = ("NOSCRIPT", "MOVED ", "ASK ")


class ReplyError(Exception):
    """Redis answered a command with an error reply (``-ERR ...``)."""


class NodeUnavailable(StateUnavailable):
    """A node answered with a "not now" reply; ``code`` is its first word (``READONLY``...).

    The topology clients act on the code (a ``READONLY`` primary was demoted: ask the
    sentinels again); everyone else sees a ``StateUnavailable``.
    """

    def __init__(self, message: str, node: str, code: str) -> None:
        super().__init__(message, node)
        self.code = code


def error(
    reply: ReplyError, node: str, redirected: Callable[[ReplyError, str], StateUnavailable] | None
) -> Exception:
    """What an error reply raises: ``NOSCRIPT``, ``MOVED`` and ``ASK`` the reply itself, for
    the layer that follows them (``redirected``, for a client that follows no redirects,
    says what they become instead); any other a ``NodeUnavailable``."""
    text = str(reply)
    if text.startswith(_FOLLOWED_REPLIES):
        return reply if redirected is None else redirected(reply, node)
    return NodeUnavailable(f"redis {node}: {text}", node, text.split(" ", 1)[0])


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to reach one redis node (``proxy.state.urls`` parses it from the URL)."""

    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None  # unix socket
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    timeout: float = 0.5
    connect_timeout: float = 0.5

    @property
    def name(self) -> str:
        """``host:port`` or the socket path: the ``node`` label of metrics and logs."""
        return self.path if self.path is not None else f"{self.host}:{self.port}"


_Sent = list[float]
"""When one turn's write left, plus ``timeout``: a one-item list the turn's waiters share,
``[inf]`` until the flush writes (nothing is late before). A list, not a class of one
slot: its Python ``__init__`` was ~1 k instructions per loop turn
(``benchmarks.rate_limit_instructions``)."""


Convert = Callable[[Any], Any]
"""What a caller makes of its reply, run as the reply is read (a script's decision)."""


def _dropped(reply: Any) -> None:
    """The ``convert`` of ``ASKING``'s reply: read and dropped, whatever it says (a node not
    in cluster mode refuses it, and runs the command that follows all the same)."""


def _checked(reply: Any) -> None:
    """The ``convert`` of ``SCRIPT LOAD``'s reply before a resent script call: dropped,
    unless it is an error (the caller's then)."""


# A script call's resend on NOSCRIPT: the script, the bytes written, the replies they get.
_Retry = tuple[Script, bytes, int]


class _Connection(asyncio.Protocol):
    """One socket: writes commands, parses replies, resolves waiters in order.

    Commands issued in the same turn of the event loop leave in one write (``queue`` then
    ``flush``, scheduled once per turn): at 64 concurrent requests several GCRA scripts are
    issued per turn, and each ``send(2)`` that wakes redis cost ~30 µs of CPU on the 2-core
    bench machine. Replies need no timer each either: they come back in order, so one
    watchdog per connection looks at the oldest live waiter's deadline (``_watch``). A
    deadline runs from the write, not from the call: the commands of one turn share one
    ``_Sent`` whose time the flush sets, so a turn our own loop spent busy elsewhere is not
    charged to redis.

    A reply is settled where it is read, in one pass over everything one read brought: an
    error reply becomes the caller's exception here, a script's reply its answer
    (``convert``), and a ``NOSCRIPT`` for a script call queues ``SCRIPT LOAD`` and the same
    call again, on the caller's future — so the caller awaits one future, with no coroutine
    of the client's between it and the reply, and its task is woken once.
    """

    def __init__(
        self,
        node: str,
        timeout: float,
        redirected: Callable[[ReplyError, str], StateUnavailable] | None = None,
    ) -> None:
        self.node = node
        self.timeout = timeout
        self.redirected = redirected
        self.reader = hiredis.Reader(replyError=ReplyError)
        # (future, when its write left, its convert, its resend on NOSCRIPT), oldest first
        self.waiting: deque[tuple[asyncio.Future[Any], _Sent, Convert | None, _Retry | None]]
        self.waiting = deque()
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.loop = asyncio.get_running_loop()
        self._outgoing: list[bytes] = []
        self._sent: _Sent = [math.inf]  # the turn's commands not written yet
        self._watchdog: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only duck-typed ones
        self.transport = cast(asyncio.Transport, transport)

    def queue(
        self,
        command: bytes,
        replies: int = 1,
        convert: Convert | None = None,
        retry: _Retry | None = None,
        future: asyncio.Future[Any] | None = None,
    ) -> asyncio.Future[Any]:
        """Send ``command`` (with the turn's other commands); the future of its last reply,
        ``convert``-ed. ``replies`` > 1: the earlier ones (``ASKING``'s ``+OK``) are read
        and dropped. ``retry``: a script call, sent again once on NOSCRIPT."""
        loop = self.loop
        if not self._outgoing:
            self._sent = [math.inf]
            loop.call_soon(self._flush)
        self._outgoing.append(command)
        sent = self._sent
        if future is None:
            future = loop.create_future()
        if replies > 1:
            for _ in range(replies - 1):
                self.waiting.append((future, sent, _dropped, None))
        self.waiting.append((future, sent, convert, retry))
        return future

    def _flush(self) -> None:
        outgoing = self._outgoing
        self._outgoing = []
        deadline = self._sent[0] = self.loop.time() + self.timeout
        if self._watchdog is None:
            self._watchdog = self.loop.call_at(deadline, self._watch)
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(outgoing[0] if len(outgoing) == 1 else b"".join(outgoing))
        # else: connection_lost fails (or has failed) every waiter, these included

    def _watch(self) -> None:
        """No reply by the oldest live waiter's deadline: fail it, and drop the connection so
        the rest fail fast too. Otherwise look again at the next deadline."""
        self._watchdog = None
        for future, sent, _, _ in self.waiting:
            if future.done():  # cancelled by its caller; its reply is still read and dropped
                continue
            deadline = sent[0]
            if deadline == math.inf:  # not written yet: the flush starts the watch again
                return
            if self.loop.time() >= deadline:
                message = f"redis {self.node}: TimeoutError: no reply within {self.timeout:g}s"
                future.set_exception(StateUnavailable(message, self.node))
                self.abort()
            else:
                self._watchdog = self.loop.call_at(deadline, self._watch)
            return

    def data_received(self, data: bytes) -> None:
        reader = self.reader
        reader.feed(data)
        waiting = self.waiting
        while (reply := reader.gets()) is not False:
            if not waiting:  # a reply nobody asked for: the stream is out of step
                self.abort()
                return
            future, _, convert, retry = waiting.popleft()
            if future.done():  # cancelled by its caller, or failed by an earlier reply
                continue
            if reply.__class__ is ReplyError:
                if convert is not _dropped:
                    self._error(future, reply, convert, retry)
            elif convert is None:
                future.set_result(reply)
            elif convert is not _dropped and convert is not _checked:
                try:
                    future.set_result(convert(reply))
                except Exception as exc:  # a reply of another shape: not ours to 500 on
                    message = f"redis {self.node}: unexpected reply {reply!r:.80} ({exc!r})"
                    future.set_exception(StateUnavailable(message, self.node))

    def _error(
        self,
        future: asyncio.Future[Any],
        reply: ReplyError,
        convert: Convert | None,
        retry: _Retry | None,
    ) -> None:
        """An error reply: a script call's first NOSCRIPT loads the script and sends the
        call again (NOSCRIPT proves it did not run, so it cannot count twice); any other
        error fails the caller as ``error`` says."""
        text = str(reply)
        if retry is not None and text.startswith("NOSCRIPT"):
            script, command, replies = retry
            load = pack("SCRIPT", "LOAD", script.text)
            self.queue(load, 1, _checked, None, future)
            self.queue(command, replies, convert, None, future)
            return
        future.set_exception(error(reply, self.node, self.redirected))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        failure = StateUnavailable(
            f"redis {self.node}: ConnectionError: connection lost ({exc or 'closed'})", self.node
        )
        while self.waiting:
            future, *_ = self.waiting.popleft()
            if not future.done():
                future.set_exception(failure)

    def abort(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.abort()
