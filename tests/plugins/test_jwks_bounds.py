"""JWKS fetches a hostile identity provider cannot stretch (issue 17, M3 and L15): a body
past the size cap is abandoned while it streams, a server dripping bytes is cut at the total
timeout, one fetch serves every waiting request, a weak RSA key in the document is skipped,
and the failure warning never shows the URL's query."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from plugins._jwt.jwks import MAX_JWKS_BYTES, redact_url
from plugins.jwt import Jwt
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, Harness, Result
from tests.fixtures.jwks import JwksServer, KeySet, jwks_of, make_key

ISSUER = "https://auth.test/"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


def harness(server: JwksServer, clock: FakeClock, **extra: Any) -> Harness:
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    options = {
        "jwks_url": server.url + "?client_secret=hunter2",
        "algorithms": ["RS256"],
        "issuer": ISSUER,
        **extra,
    }
    return Harness([(Jwt, options)], services=services)


def token(key: Any, clock: FakeClock, kid: str | None = "") -> str:
    claims = {"iss": ISSUER, "sub": "u1", "iat": int(clock.now), "exp": int(clock.now) + 300}
    return str(key.sign(claims, kid=kid))


async def call(h: Harness, bearer: str) -> Result:
    return await asyncio.wait_for(  # a guard against a hang, not a speed threshold
        h.request("POST", json=CHAT, headers={"authorization": f"Bearer {bearer}"}), 60
    )


async def test_a_document_past_the_cap_is_abandoned_while_it_streams(
    jwks_server: JwksServer, jwt_keys: KeySet, sluicegate_logs: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(time.time())
    jwks_server.padding = 256 * MAX_JWKS_BYTES
    h = harness(jwks_server, clock)
    result = await call(h, token(jwt_keys.rsa, clock))
    assert result.status == 401
    for _ in range(100):
        if jwks_server.cut:
            break
        await asyncio.sleep(0.05)
    assert jwks_server.cut == 1  # the gateway hung up: it stopped reading, not read it whole
    assert jwks_server.sent < 32 * MAX_JWKS_BYTES  # the cap plus what socket buffers hold
    assert "larger than" in sluicegate_logs.text
    assert "hunter2" not in sluicegate_logs.text and "client_secret" not in sluicegate_logs.text
    await h.close()


async def test_a_dripping_server_is_cut_at_the_total_timeout(
    jwks_server: JwksServer, jwt_keys: KeySet, sluicegate_logs: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(time.time())
    jwks_server.drip = 0.05  # every read arrives well within any per-read timeout
    h = harness(jwks_server, clock, jwks_timeout="0.5s")
    result = await call(h, token(jwt_keys.rsa, clock))
    assert result.status == 401
    document = len(str(jwks_of(jwt_keys.all())))
    assert jwks_server.sent < document  # the drip never finished
    for _ in range(100):
        if jwks_server.cut:
            break
        await asyncio.sleep(0.05)
    assert jwks_server.cut == 1
    assert "no complete document" in sluicegate_logs.text
    await h.close()


async def test_one_fetch_serves_every_waiting_request(
    jwks_server: JwksServer, jwt_keys: KeySet
) -> None:
    clock = FakeClock(time.time())
    jwks_server.gate = asyncio.Event()
    h = harness(jwks_server, clock, jwks_min_refresh="0s")
    bearer = token(jwt_keys.rsa, clock)
    waiting = [asyncio.create_task(call(h, bearer)) for _ in range(12)]
    for _ in range(50):  # let every request reach the fetch
        await asyncio.sleep(0.01)
    jwks_server.gate.set()
    results = await asyncio.gather(*waiting)
    assert [r.status for r in results] == [200] * 12
    assert jwks_server.hits == 1
    await h.close()


# Signing the test's token with the weak key is what makes PyJWT warn: the client's side, which
# the test plays on purpose; the gateway's refusal is what it asserts.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_a_weak_rsa_key_in_the_document_is_skipped(
    jwks_server: JwksServer, sluicegate_logs: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(time.time())
    weak = make_key("RS256", "weak-1", bits=1024)
    strong = make_key("RS256", "strong-1")
    jwks_server.document = jwks_of([weak, strong])
    h = harness(jwks_server, clock)
    assert (await call(h, token(weak, clock))).status == 401
    assert (await call(h, token(strong, clock))).status == 200
    assert "at least 2048 bits" in sluicegate_logs.text
    await h.close()


async def test_a_compressed_document_is_read_decoded(
    jwks_server: JwksServer, jwt_keys: KeySet
) -> None:
    """The fetch asks for no compression, and still reads a server that compresses anyway
    (the cap counts decoded bytes)."""
    clock = FakeClock(time.time())
    jwks_server.gzip = True
    h = harness(jwks_server, clock)
    assert (await call(h, token(jwt_keys.rsa, clock))).status == 200
    assert jwks_server.accept_encodings == ["identity"]
    await h.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://idp.test/jwks.json?key=s3cret#x", "https://idp.test/jwks.json"),
        ("https://user:pw@idp.test:8443/k", "https://idp.test:8443/k"),
        ("http://[::1]:9/j?a=b", "http://[::1]:9/j"),
    ],
)
def test_urls_in_warnings_lose_credentials(url: str, shown: str) -> None:
    assert redact_url(url) == shown
