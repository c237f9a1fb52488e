"""The guard that closes connections which never send a request under Granian: judged on
real sockets in this process (the listener, its accepted ends and the clients' ends all
sit in ``/proc/self/fd``, so the sweep must pick out exactly the silent accepted ones)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from proxy.engines.silent_connections import PREFACE, SilentConnections

TIMEOUT = 0.3


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock


def _connect(listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(listener.getsockname()[:2])
    accepted, _ = listener.accept()
    return client, accepted


def _closed_by_server(client: socket.socket) -> bool:
    client.settimeout(2.0)
    try:
        return client.recv(1) == b""
    except TimeoutError:
        return False


def test_only_silent_accepted_connections_past_the_deadline_are_shut(listener):
    guard = SilentConnections([listener], TIMEOUT)
    silent = _connect(listener)
    preface_start = _connect(listener)
    preface_start[0].sendall(b"PRI * HTTP/2.0\r\n")  # 16 bytes: hyper-util still reading
    head = _connect(listener)
    head[0].sendall(b"GET /v1/models HTTP/1.1\r\n")  # past the preface's length: hyper's
    answered = _connect(listener)
    answered[1].sendall(b"HTTP/1.1 200 OK\r\n")  # the server spoke: a request was read
    other = socket.create_server(("127.0.0.1", 0))  # another listener's connection
    foreign = socket.create_connection(other.getsockname()[:2])
    foreign_accepted, _ = other.accept()
    everything = [*silent, *preface_start, *head, *answered, other, foreign, foreign_accepted]
    try:
        assert guard.sweep() == 0  # too young: dated, not shut
        time.sleep(TIMEOUT + 0.1)
        assert guard.sweep() == 2
        assert _closed_by_server(silent[0])
        assert _closed_by_server(preface_start[0])
        assert guard.sweep() == 0  # not shut twice
        assert answered[0].recv(64) == b"HTTP/1.1 200 OK\r\n"
        for client in (head[0], answered[0], foreign):
            client.settimeout(0.2)
            with pytest.raises(TimeoutError):
                client.recv(1)
        # the survivors still carry data both ways
        head[0].sendall(b"Host: a\r\n\r\n")
        assert head[1].recv(64).endswith(b"Host: a\r\n\r\n")
    finally:
        for sock in everything:
            sock.close()
    assert len(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == PREFACE


def test_a_connection_is_dated_from_its_accept_not_from_the_first_sweep(listener):
    """A sweep that first sees a silent connection already older than the deadline shuts
    it at once (the kernel's last-receive time dates it)."""
    guard = SilentConnections([listener], TIMEOUT)
    client, accepted = _connect(listener)
    try:
        time.sleep(TIMEOUT + 0.1)
        assert guard.sweep() == 1
        assert _closed_by_server(client)
    finally:
        client.close()
        accepted.close()


def test_a_wildcard_listener_matches_by_port():
    with socket.create_server(("0.0.0.0", 0)) as listener:
        port = listener.getsockname()[1]
        guard = SilentConnections([listener], TIMEOUT)
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        try:
            time.sleep(TIMEOUT + 0.1)
            assert guard.sweep() == 1
        finally:
            client.close()
            accepted.close()


def test_the_thread_sweeps_until_stopped(listener):
    guard = SilentConnections([listener], TIMEOUT)
    guard.start()
    client, accepted = _connect(listener)
    try:
        assert _closed_by_server(client)
        assert guard.closed == 1
    finally:
        guard.stop()
        client.close()
        accepted.close()
