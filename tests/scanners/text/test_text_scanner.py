"""TextScanner: check selection, the size cap, payload extraction and concurrent use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from scanners.text import CustomRules, TextScanner, extract_texts
from scanners.text.scanner import CHECKS

ALL = sorted(CHECKS)


def test_unknown_check_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="unknown checks"):
        TextScanner(["xss", "sqli"])


def test_duplicate_names_and_bad_cap_are_rejected() -> None:
    with pytest.raises(ValueError):
        TextScanner(["pii"], custom=[CustomRules("pii", literals=["x"])])
    with pytest.raises(ValueError):
        TextScanner(["pii"], max_scan_bytes=0)


def test_only_selected_checks_run() -> None:
    result = TextScanner(["pii"]).scan(["<script>x</script> bob.smith@corp-mail.io"])
    assert result.checks_hit == {"pii"}


def test_each_text_is_reported_in_order_with_its_findings() -> None:
    result = TextScanner(ALL).scan(["hello", "x' or '1'='1", ""])
    assert [t.index for t in result.texts] == [0, 1, 2]
    assert result.texts[0].findings == ()
    assert {f.check for f in result.texts[1].findings} == {"sql_injection"}
    assert not result.truncated


def test_cap_truncates_inside_a_text_and_skips_the_rest() -> None:
    scanner = TextScanner(["xss"], max_scan_bytes=100)
    attack_late = "a" * 150 + "<script>"
    result = scanner.scan(["b" * 60, attack_late, "<script>"])
    assert result.truncated
    assert result.scanned_bytes == 100
    assert len(result.texts) == 2
    assert len(result.texts[1].original) == 40
    assert result.findings == ()  # the attack beyond the cap was not scanned: the flag says so


def test_cap_counts_utf8_bytes_and_never_splits_a_character() -> None:
    scanner = TextScanner(["pii"], max_scan_bytes=7)
    result = scanner.scan(["ééééé"])  # 10 bytes
    assert result.truncated
    assert result.texts[0].original == "ééé"


def test_exactly_at_cap_is_not_truncated_and_empty_tail_does_not_count() -> None:
    result = TextScanner(["pii"], max_scan_bytes=5).scan(["abcde", ""])
    assert not result.truncated


def test_xss_redact_action_uses_bleach_on_the_original() -> None:
    (scanned,) = TextScanner(["xss"]).scan(["Hi <img src=x onerror=alert(1)>there"]).texts
    assert scanned.findings
    assert scanned.sanitized() == "Hi there"


def test_extract_texts_covers_chat_multimodal_prompt_and_input() -> None:
    payload = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "be nice"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,xx"}},
                ],
            },
            {"role": "assistant", "content": None, "tool_calls": []},
        ],
        "prompt": ["p0", "p1"],
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "r"}]}, "i1"],
    }
    assert extract_texts(payload) == [
        ("messages[0].content", "be nice"),
        ("messages[1].content[0].text", "look"),
        ("prompt[0]", "p0"),
        ("prompt[1]", "p1"),
        ("input[0].content[0].text", "r"),
        ("input[1]", "i1"),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"messages": "not a list"},
        {"messages": [None, 3, {"content": 5}, {"content": [None, {"type": "text", "text": 7}]}]},
        {"prompt": 12, "input": {"x": 1}},
        {"input": [[1, 2], {"type": "text"}]},
    ],
)
def test_extract_texts_ignores_malformed_shapes(payload: dict[str, object]) -> None:
    assert extract_texts(payload) == []


def test_scan_payload_aligns_paths_with_results() -> None:
    located, result = TextScanner(ALL).scan_payload(
        {"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "admin'--"}]}
    )
    assert [p for p, _ in located] == ["messages[0].content", "messages[1].content"]
    assert result.texts[1].findings[0].check == "sql_injection"


def test_one_scanner_is_safe_to_share_across_threads() -> None:
    scanner = TextScanner(ALL)
    inputs = [f"msg {i}: x' or '1'='1 <script> bob{i}@corp-mail.io" for i in range(200)]
    expected = [scanner.scan([t]).findings for t in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: scanner.scan([t]).findings, inputs))
    assert got == expected
    assert all({f.check for f in fs} >= {"sql_injection", "xss", "pii"} for fs in got)
