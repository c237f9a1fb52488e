"""The ports tests and benchmarks bind stay out of the range outgoing connections use."""

from __future__ import annotations

import random
import socket

import pytest

from tests.fixtures import ports


def test_ports_are_below_the_ephemeral_range_distinct_and_bindable() -> None:
    low = ports._ephemeral_low()
    given = [ports.free_port() for _ in range(50)]
    assert len(set(given)) == 50
    if low - ports.LOWEST >= 1000:  # a machine with a band below the ephemeral range
        assert all(ports.LOWEST <= port < low for port in given)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", given[-1]))


class _Scripted(random.Random):
    """Proposes the given ports first, then random ones."""

    def __init__(self, first: list[int]) -> None:
        super().__init__(7)
        self.first = first

    def randint(self, a: int, b: int) -> int:
        return self.first.pop(0) if self.first else super().randint(a, b)


def test_a_port_a_listener_holds_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", ports.free_port()))
        held.listen()
        port = held.getsockname()[1]
        monkeypatch.setattr(ports, "_given", set())  # only the kernel's answer guards it now
        monkeypatch.setattr(ports, "_pick", _Scripted([port, port, port]))
        assert ports.free_port() != port
