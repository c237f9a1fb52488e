"""A hostile or buggy provider's usage block (issue 17, M6 and L9) against a real gateway.

Non-numeric counts once truncated the client's answer (200, a Content-Length, no body) and
logged a 500; negative or > 2^64 counts raised in the reporter, so no ``on_complete`` hook ran
(a 1e300-token answer was never charged) and no access line was written. Here each value
comes from a real provider server on 127.0.0.1, JSON and streaming, and the client gets the
whole answer, the budget is charged (huge counts at the cap), and the access line is there.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from proxy.usage import MAX_TOKENS
from tests.fixtures.gateway import RunningGateway
from tests.fixtures.upstreams import FakeProvider

Factory = Callable[..., Awaitable[RunningGateway]]
CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}

# (usage block, whether the answer is charged past a $1 budget: $0.001 per token)
HOSTILE: list[tuple[Any, bool]] = [
    ({"prompt_tokens": "abc", "completion_tokens": "12"}, False),
    ({"prompt_tokens": -5, "completion_tokens": -1}, False),
    ({"prompt_tokens": 2**70, "completion_tokens": 1}, True),
    ({"prompt_tokens": 1e300, "completion_tokens": 1.5}, True),
    ({"prompt_tokens": [1, {"x": 2}], "completion_tokens": {"n": 1}}, False),
    ({"prompt_tokens": None, "completion_tokens": True}, False),
    (b'{"prompt_tokens": 1e400, "completion_tokens": 1}', True),
    (b'{"prompt_tokens": ' + b"9" * 5000 + b', "completion_tokens": 1}', True),
    ("not an object", False),
]


def config(provider: FakeProvider) -> str:
    return f"""
[providers.fake]
type = "openai"
base_url = "{provider.url}"
api_key = "test"
pricing = {{ "fake-model" = {{ input = 1000.0, output = 1000.0 }} }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]
retry = {{ attempts = 1 }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "budget"
upstream = "chat"
"""


BUDGET = """
[[plugins]]
use = "budget"
key = "header.x-user"
per_day = 1.0
estimate_cost_per_request = 0.0001
"""


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_hostile_usage_never_truncates_and_is_still_charged_and_logged(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    capfd: pytest.CaptureFixture[str],
    stream: bool,
) -> None:
    gw = await gateway_factory(config(fake_provider), {"budget": BUDGET})
    for index, (usage, charged) in enumerate(HOSTILE):
        fake_provider.usage = usage
        user = f"user-{index}"
        response = await gw.client.post(
            f"{gw.url}/v1/chat/completions",
            json={**CHAT, "stream": stream},
            headers={"x-user": user},
        )
        await gw.settled()
        assert response.status_code == 200, usage
        if stream:
            assert response.text.rstrip().endswith("data: [DONE]"), usage
        else:
            assert json.loads(response.content, parse_int=float)["choices"][0]["message"]["content"]
        again = await gw.client.post(
            f"{gw.url}/v1/chat/completions", json=CHAT, headers={"x-user": user}
        )
        await gw.settled()
        assert again.status_code == (402 if charged else 200), usage
    gw.gateway.runtime.reporter.flush()
    out, err = capfd.readouterr()
    lines = [orjson.loads(line) for line in out.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("type") == "access"]
    assert len(access) == 2 * len(HOSTILE)
    assert all(line["status"] in (200, 402) for line in access)
    assert max(line["tokens"] or 0 for line in access) <= 2 * MAX_TOKENS
    assert "Traceback" not in out + err
    assert "unexpected error" not in out + err
