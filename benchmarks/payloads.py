# ruff: noqa: RUF001
"""Fixed request and response bodies shared by the upstreams, the load generators and the
gateway configs, so every system under test moves exactly the same bytes."""

from __future__ import annotations

import orjson

MODEL = "bench-model"

CHAT_REQUEST: dict[str, object] = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello to the benchmark in one short sentence."},
    ],
    "temperature": 0,
}

STREAM_REQUEST: dict[str, object] = {**CHAT_REQUEST, "stream": True}

# Ordinary prose a user might paste (issue 5 measures input_scan on a 4 KB chat request).
_PROSE = (
    "Our team is planning the quarterly offsite and I need help with the agenda. ",
    "We have twelve people from three offices, and most of them arrive on Tuesday evening. ",
    "The first morning should cover the roadmap review and the customer feedback summary. ",
    "After lunch we want two working sessions, one on onboarding and one on release notes. ",
    "Please keep the breaks at least fifteen minutes long and suggest a short team activity. ",
    "On the second day we finish at three so that people can catch their trains home. ",
    "Could you also draft a friendly invitation email that explains the travel policy? ",
    "The budget for dinners is modest, so a local restaurant with a set menu works best. ",
)


# The same in Chinese: a CJK text is one `\\w` token per sentence, and the classifier reads
# its character pairs (`scanners/text/pi_model.py`); ~1,300 characters in 3,900 UTF-8 bytes.
_PROSE_ZH = (
    "我们团队正在筹备季度团建活动，我需要你帮忙安排议程。",
    "我们有来自三个办公室的十二个人，大多数人周二晚上到达。",
    "第一天上午应该讨论路线图回顾和客户反馈总结。",
    "午饭后我们想安排两个工作环节，一个关于新员工入职，一个关于版本说明。",
    "请让每次休息至少十五分钟，并推荐一个简短的团队活动。",
    "第二天我们三点结束，这样大家可以赶上回家的火车。",
    "你能不能再起草一封友好的邀请邮件，说明一下差旅政策？",
    "晚餐的预算不多，所以一家提供套餐的本地餐馆最合适。",
)


def _prose(size: int, sentences: tuple[str, ...] = _PROSE) -> str:
    """`sentences` repeated to `size` UTF-8 bytes (characters, for English prose)."""
    text = ""
    index = 0
    while len(text.encode()) < size:
        text += sentences[index % len(sentences)]
        index += 1
    return text.encode()[:size].decode(errors="ignore")


CHAT_REQUEST_4K: dict[str, object] = {
    **CHAT_REQUEST,
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": _prose(3900)},
    ],
}

CHAT_REQUEST_4K_ZH: dict[str, object] = {
    **CHAT_REQUEST,
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": _prose(3900, _PROSE_ZH)},
    ],
}

# Bodies the load generators can send, by name (Scenario.body).
BODIES: dict[str, dict[str, object]] = {"chat": CHAT_REQUEST, "chat_4k": CHAT_REQUEST_4K}

CHAT_RESPONSE: dict[str, object] = {
    "id": "chatcmpl-bench0001",
    "object": "chat.completion",
    "created": 1700000000,
    "model": MODEL,
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello, benchmark! Nice to meet you."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 24, "completion_tokens": 9, "total_tokens": 33},
}

MODELS_RESPONSE: dict[str, object] = {
    "object": "list",
    "data": [{"id": MODEL, "object": "model", "created": 1700000000, "owned_by": "bench"}],
}


def chat_request_bytes(stream: bool = False) -> bytes:
    return orjson.dumps(STREAM_REQUEST if stream else CHAT_REQUEST)


def sse_chunk(index: int) -> bytes:
    """One `data:` event of a streamed chat completion (the token is the chunk number)."""
    event = {
        "id": "chatcmpl-bench0001",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": f"tok{index} "}, "finish_reason": None}],
    }
    return b"data: " + orjson.dumps(event) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"
