"""The plugin test kit, public: run a plugin through the real request path in a test.

``Harness`` builds the real chain, route, upstream group and pipeline with only the provider
faked; the rest are the fakes a plugin's tests need (see :mod:`proxy.testing` for each):
``FakeUpstream``/``FakeReply`` (the provider), ``ScriptedClient`` (a provider that fails,
stalls, answers 429 or answers, in turn), ``FakeClock``, ``TestIdentity`` (an authentication
stand-in), ``FailingStore`` (a store that is down), ``FakeHttp`` (off-path HTTP calls without
a socket) and ``make_exchange`` (a bare exchange for calling one hook).
"""

from proxy.testing import (
    FailingStore,
    FakeClock,
    FakeHttp,
    FakeReply,
    FakeUpstream,
    Harness,
    RecordedRequest,
    Result,
    ScriptedClient,
    TestIdentity,
    make_exchange,
)

__all__ = [
    "FailingStore",
    "FakeClock",
    "FakeHttp",
    "FakeReply",
    "FakeUpstream",
    "Harness",
    "RecordedRequest",
    "Result",
    "ScriptedClient",
    "TestIdentity",
    "make_exchange",
]
