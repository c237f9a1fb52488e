"""Values a client or a provider chooses, judged before they reach arithmetic or a label
(issue 17): token counts (M6), model names as metric labels (L9), a priority header (L10),
and a reporting step that fails without costing the others."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest

from proxy.exchange import SecurityEvent
from proxy.observe.metrics import Metrics
from proxy.observe.report import AccessLog, Reporter
from proxy.testing import FakeReply, FakeUpstream, Harness, make_exchange
from proxy.usage import MAX_TOKENS, UsageMeter, token_count


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        (0, 0),
        (-5, 0),
        (2**70, MAX_TOKENS),
        (1e300, MAX_TOKENS),
        (math.inf, MAX_TOKENS),
        (math.nan, 0),
        (-math.inf, 0),
        (3.9, 3),
        ("12", 0),
        (True, 0),
        (None, 0),
        ([1], 0),
        ({"n": 1}, 0),
    ],
)
def test_token_count_is_a_clamped_whole_number(value: Any, expected: int) -> None:
    assert token_count(value) == expected


@pytest.mark.parametrize(
    "body",
    [
        b'{"usage": {"prompt_tokens": 1e400, "completion_tokens": 2}}',
        b'{"usage": {"prompt_tokens": ' + b"9" * 5000 + b', "completion_tokens": 2}}',
    ],
)
def test_a_body_orjson_refuses_is_still_metered_at_the_cap(body: bytes) -> None:
    ex = make_exchange(json={"model": "m", "messages": []})
    meter = UsageMeter(ex, streaming=False, strip_usage_event=False)
    meter.feed(body)
    meter.finish()
    assert ex.usage.reported
    assert (ex.usage.input_tokens, ex.usage.output_tokens) == (MAX_TOKENS, 2)


def test_only_configured_models_become_metric_labels() -> None:
    metrics = Metrics()
    reporter = Reporter(metrics, None, models=frozenset({"chat-fast", "fake-model"}))
    for model in ["chat-fast", "attacker-1", "attacker-2", "fake-model", "x" * 200]:
        ex = make_exchange()
        ex.usage.reported, ex.usage.model, ex.usage.provider = True, model, "fake"
        ex.usage.input_tokens = 1
        reporter.completed(ex)
    text = metrics.render().decode()
    models = {
        line.split('model="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith("sluicegate_tokens_total{")
    }
    assert models == {"chat-fast", "fake-model", "other"}


def test_a_failing_reporting_step_costs_no_other(sluicegate_logs: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    reporter = Reporter(metrics, None, models=frozenset())

    def broken(*labels: str) -> Any:
        raise RuntimeError("a broken metric")

    metrics.tokens.labels = broken  # type: ignore[method-assign]
    ex = make_exchange()
    ex.usage.reported, ex.usage.model = True, "m"
    ex.events.append(SecurityEvent("auth_failed", "jwt", "bad token"))
    with sluicegate_logs.at_level("WARNING"):
        reporter.completed(ex)
    assert any(r.name == "sluicegate.security" for r in sluicegate_logs.records)
    assert 'sluicegate_requests_total{route="none",status_class="other"} 1.0' in (
        metrics.render().decode()
    )


class _Stream(io.BytesIO):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def write(self, data: Any) -> int:
        raise self.error


def test_an_access_line_that_cannot_be_written_costs_no_other_step(
    sluicegate_logs: pytest.LogCaptureFixture,
) -> None:
    """A full disk or a closed stdout (OSError, ValueError) is skipped silently; any other
    failure is logged under the step's name; the metrics and the trace are kept either way."""
    for error, logged in ((OSError("disk full"), False), (RuntimeError("bug"), True)):
        metrics = Metrics()
        reporter = Reporter(metrics, AccessLog(_Stream(error)), models=frozenset())
        ex = make_exchange()
        with sluicegate_logs.at_level("ERROR"):
            sluicegate_logs.clear()
            reporter.completed(ex)
        messages = [r.getMessage() for r in sluicegate_logs.records]
        assert messages == (["reporting step _write_access failed"] if logged else [])
        assert 'sluicegate_requests_total{route="none",status_class="other"} 1.0' in (
            metrics.render().decode()
        )


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "9" * 5000, "1e9", "٣", "+5", "", "-"])
async def test_a_hostile_priority_header_is_the_default_priority(value: str) -> None:
    harness = Harness(
        [],
        upstream_options={"admission": {"max_in_flight": 1, "priority": "header.x-prio"}},
    )
    result = await harness.request(
        "POST", json={"model": "m", "messages": []}, headers={"x-prio": value}
    )
    assert result.status == 200
    await harness.close()


async def test_a_provider_with_junk_usage_still_answers_in_full() -> None:
    reply = FakeReply.json(
        {"choices": [{"message": {"content": "whole"}}], "usage": {"prompt_tokens": "abc"}}
    )
    harness = Harness([], FakeUpstream(reply))
    result = await harness.request("POST", json={"model": "m", "messages": []})
    assert result.status == 200
    assert result.json()["choices"][0]["message"]["content"] == "whole"
    assert result.exchange.usage.input_tokens == 0
    await harness.close()
