"""``head_timeout`` for a connection that never sends a request, under Granian.

hyper's ``header_read_timeout`` starts once hyper reads a request head, but Granian serves
HTTP/1.1 and HTTP/2 on one port through hyper-util's auto builder, which first reads until
it can tell the two apart (the 24-byte HTTP/2 preface, or a byte that departs from it) —
with no timer at all. So a client that connects and sends nothing, or sends ``PRI * HT``
and stops, was held until it closed: measured, an idle connection still open after 6 s
against ``head_timeout = "1s"``, and ``max_connections`` of them (Granian's backpressure)
left the listener accepting nobody — a slowloris with no bytes. Granian has no option for
it and no hook per connection, so this guard keeps the deadline from outside.

One thread per worker process wakes every ``head_timeout / 4`` (2.5 s at most) and looks
at the process's sockets (``/proc/self/fd``): an accepted connection on a public listener
that, ``head_timeout`` after it was accepted, has received fewer bytes than the HTTP/2
preface and sent none is shut down (``shutdown(2)`` on a duplicate of its descriptor:
hyper reads end-of-file and drops it; the client sees the connection close unanswered, as
hyper's own head timeout does). The kernel counts the bytes (``TCP_INFO``:
``tcpi_bytes_received``, ``tcpi_data_segs_out``) and dates the connection
(``tcpi_last_data_recv`` while nothing was received), so nothing is added to the request
path. A connection past those 24 bytes or answered once is hyper's business from then on
and is not judged again: a sweep costs an ``fstat`` per open descriptor, plus five socket
calls once per new connection — 0.5 ms a sweep at 64 connections, 17-38 ms at 2,000
(4,000 descriptors), 90-245 ms the first time it sees those 2,000 (``python -m
benchmarks.silent_sweep``, the shared 2-core machine), in its own thread.

The one request it could cut that it should not: a whole HTTP/1.x request shorter than 24
bytes (``GET /v1/ HTTP/1.0`` and a blank line, no Host) still unanswered after
``head_timeout``. No LLM route is that short.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Iterable
from stat import S_ISSOCK

log = logging.getLogger("sluicegate.granian")

# The HTTP/2 client preface (RFC 9113 3.4): hyper-util reads up to this many bytes before
# it picks HTTP/1.1 or HTTP/2, with no timeout.
PREFACE = 24

# struct tcp_info (linux/tcp.h): offsets of the fields read here.
_LAST_DATA_RECV = struct.Struct("=I")  # at 52, ms since data was last received
_BYTES_RECEIVED = struct.Struct("=Q")  # at 128 (Linux 4.1)
_DATA_SEGS_OUT = struct.Struct("=I")  # at 156 (Linux 4.6)
_TCP_INFO_LEN = 160

_FD_DIR = "/proc/self/fd"


def _wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "")


class SilentConnections:
    """The sweeper for the public listeners of one worker process."""

    def __init__(self, listeners: Iterable[socket.socket], timeout: float) -> None:
        self.timeout = timeout
        self.tick = min(2.5, max(0.05, timeout / 4))
        # (host or "" for a wildcard, port) of each public listener
        self._addresses: set[tuple[str, int]] = set()
        for sock in listeners:
            host, port = sock.getsockname()[:2]
            self._addresses.add(("" if _wildcard(host) else host, port))
        # socket inode -> when it was accepted (monotonic), or None: not to be watched
        self._seen: dict[int, float | None] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="silent-connections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.sweep()
            except Exception:  # never let the guard die: log and try again next tick
                log.exception("silent connection sweep failed")

    def sweep(self) -> int:
        """Shut down the connections past the deadline; return how many."""
        now = time.monotonic()
        seen: dict[int, float | None] = {}
        closed = 0
        try:
            names = os.listdir(_FD_DIR)
        except OSError:
            return 0
        for name in names:
            fd = int(name)
            try:
                stat = os.fstat(fd)
            except OSError:
                continue  # closed since the listing
            if not S_ISSOCK(stat.st_mode):
                continue
            inode = stat.st_ino
            known = inode in self._seen
            accepted = self._seen.get(inode)
            if known and accepted is None:
                seen[inode] = None
                continue
            accepted, shut = self._judge(fd, inode, accepted, now)
            closed += shut
            seen[inode] = accepted
        self._seen = seen
        return closed

    def _judge(
        self, fd: int, inode: int, accepted: float | None, now: float
    ) -> tuple[float | None, bool]:
        """(when the connection was accepted, or None when it is not to be watched again;
        whether it was shut down now)."""
        try:
            dup = os.dup(fd)
        except OSError:
            return None, False
        try:
            if os.fstat(dup).st_ino != inode:  # the descriptor was reused since the listing
                return None, False
            sock = socket.socket(fileno=dup)
        except OSError:
            os.close(dup)
            return None, False
        with sock:
            try:
                if accepted is None and not self._ours(sock):
                    return None, False
                info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_LEN)
            except OSError:
                return None, False
            if len(info) < _TCP_INFO_LEN:
                return None, False
            received = _BYTES_RECEIVED.unpack_from(info, 128)[0]
            if received >= PREFACE or _DATA_SEGS_OUT.unpack_from(info, 156)[0]:
                return None, False  # past hyper-util's version read: hyper's timers apply
            if accepted is None:
                # While nothing was received, the kernel's last-receive time is the
                # connection's start; otherwise the first sweep to see it dates it.
                idle = _LAST_DATA_RECV.unpack_from(info, 52)[0] / 1000 if not received else 0.0
                accepted = now - idle
            if now - accepted < self.timeout:
                return accepted, False
            self.closed += 1  # counted before the peer can read the EOF
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            return None, True

    def _ours(self, sock: socket.socket) -> bool:
        """An accepted TCP connection on one of the public listeners."""
        if sock.type != socket.SOCK_STREAM or sock.family not in (
            socket.AF_INET,
            socket.AF_INET6,
        ):
            return False
        host, port = sock.getsockname()[:2]
        if (host, port) not in self._addresses and ("", port) not in self._addresses:
            return False
        try:
            sock.getpeername()  # a listening socket has no peer
        except OSError:
            return False
        return True
