"""The upstream resilience unit tests share one hand-driven clock (the test kit's)."""

from __future__ import annotations

import pytest

from proxy.testing import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
