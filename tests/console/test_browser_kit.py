"""The browser kit: under CI=true a missing Chromium fails the test, elsewhere it skips."""

from __future__ import annotations

import pytest

from tests.fixtures import browser


def test_a_missing_chromium_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"bootstrap\.sh --system"):
        browser.need_chromium()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        browser.need_chromium()
