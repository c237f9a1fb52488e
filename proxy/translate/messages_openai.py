"""Anthropic Messages -> an OpenAI-compatible provider (chat completions), and answers back.

Request: ``system`` becomes the first system message; ``tool_result`` blocks become ``tool``
messages (placed before the rest of that user turn, right after the assistant's calls, as
OpenAI requires); ``tool_use`` blocks become ``tool_calls``; image blocks become ``image_url``
parts; streams ask for the usage event. ``top_k``, extended ``thinking``, documents, server
tools and cache-control-only features have no counterpart: a 400 names them
(``cache_control`` markers are dropped — they only steer Anthropic's cache, never the answer).
The answer becomes a ``message`` with ``finish_reason`` mapped to ``stop_reason``.
"""

from __future__ import annotations

import orjson

from proxy.apis import BY_NAME, anthropic_type
from proxy.translate.base import Call, Payload, Translator, Untranslatable
from proxy.translate.messages_openai_stream import MessagesFromChatStream
from proxy.translate.shapes import STOP_REASONS, anthropic_usage, error_object, message_id

TARGET = "OpenAI chat completions"
_SAME = ("temperature", "top_p", "stream")


def request(payload: Payload, call: Call) -> Payload:
    if payload.get("top_k") is not None:
        raise Untranslatable("top_k", TARGET)
    thinking = payload.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") not in (None, "disabled"):
        raise Untranslatable("extended thinking", TARGET)
    messages: list[Payload] = []
    system = payload.get("system")
    if system:
        messages.append({"role": "system", "content": _text(system, "system")})
    raw = payload.get("messages")
    if not isinstance(raw, list) or not raw:
        raise Untranslatable("a request without messages", TARGET)
    for message in raw:
        messages.extend(_message(message))
    out: Payload = {"model": call.model or payload.get("model"), "messages": messages}
    max_tokens = payload.get("max_tokens")
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool):
        out["max_tokens"] = max_tokens
    for name in _SAME:
        if payload.get(name) is not None:
            out[name] = payload[name]
    if payload.get("stream"):
        out["stream_options"] = {"include_usage": True}
    stops = payload.get("stop_sequences")
    if stops:
        out["stop"] = list(stops)
    tools = payload.get("tools")
    if tools:
        out["tools"] = [_tool(tool) for tool in tools]
    _tool_choice(payload.get("tool_choice"), out)
    metadata = payload.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("user_id"), str):
        out["user"] = metadata["user_id"]
    return out


def _text(content: object, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if not isinstance(block, dict) or block.get("type") != "text":
                kind = block.get("type") if isinstance(block, dict) else type(block).__name__
                raise Untranslatable(f"a {kind!r} block in {where}", TARGET)
            parts.append(str(block.get("text", "")))
        return "\n".join(parts)
    raise Untranslatable(f"{where} that is not text", TARGET)


def _message(message: object) -> list[Payload]:
    if not isinstance(message, dict):
        raise Untranslatable("a message that is not an object", TARGET)
    role = message.get("role")
    content = message.get("content")
    if role == "assistant":
        return [_assistant(content)]
    if role != "user":
        raise Untranslatable(f"the message role {role!r}", TARGET)
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    if not isinstance(content, list):
        raise Untranslatable("user content that is neither text nor blocks", TARGET)
    results: list[Payload] = []
    parts: list[Payload] = []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            parts.append({"type": "text", "text": str(block.get("text", ""))})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _image_url(block)}})
        elif kind == "tool_result":
            if block.get("is_error"):
                text = "Error: " + _result_text(block.get("content"))
            else:
                text = _result_text(block.get("content"))
            results.append(
                {
                    "role": "tool",
                    "tool_call_id": str(block.get("tool_use_id") or ""),
                    "content": text,
                }
            )
        else:
            raise Untranslatable(f"a {kind!r} content block", TARGET)
    if parts:
        only_text = all(p["type"] == "text" for p in parts)
        user = "\n".join(p["text"] for p in parts) if only_text else parts
        results.append({"role": "user", "content": user})
    return results


def _result_text(content: object) -> str:
    if content is None:
        return ""
    return _text(content, "a tool result")


def _image_url(block: Payload) -> str:
    source = block.get("source")
    if isinstance(source, dict) and source.get("type") == "base64":
        return f"data:{source.get('media_type')};base64,{source.get('data')}"
    if isinstance(source, dict) and source.get("type") == "url":
        return str(source.get("url"))
    raise Untranslatable("an image source that is neither base64 nor a URL", TARGET)


def _assistant(content: object) -> Payload:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    if not isinstance(content, list):
        raise Untranslatable("assistant content that is neither text nor blocks", TARGET)
    text: list[str] = []
    calls = []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            text.append(str(block.get("text", "")))
        elif kind == "tool_use":
            calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {
                        "name": block.get("name"),
                        "arguments": orjson.dumps(block.get("input") or {}).decode(),
                    },
                }
            )
        elif kind in ("thinking", "redacted_thinking"):
            continue  # a previous turn's reasoning: the other model cannot use it
        else:
            raise Untranslatable(f"a {kind!r} block in an assistant turn", TARGET)
    out: Payload = {"role": "assistant", "content": "".join(text) if text else None}
    if calls:
        out["tool_calls"] = calls
    return out


def _tool(tool: object) -> Payload:
    if not isinstance(tool, dict) or tool.get("type") not in (None, "custom"):
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise Untranslatable(f"the server tool {kind!r}", TARGET)
    function: Payload = {
        "name": tool.get("name"),
        "parameters": tool.get("input_schema") or {"type": "object", "properties": {}},
    }
    if tool.get("description"):
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def _tool_choice(choice: object, out: Payload) -> None:
    if not isinstance(choice, dict):
        return
    kind = choice.get("type")
    if kind == "auto":
        out["tool_choice"] = "auto"
    elif kind == "any":
        out["tool_choice"] = "required"
    elif kind == "none":
        out["tool_choice"] = "none"
    elif kind == "tool":
        out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    else:
        raise Untranslatable(f"tool_choice {kind!r}", TARGET)
    if choice.get("disable_parallel_tool_use"):
        out["parallel_tool_calls"] = False


# -- answers ------------------------------------------------------------------------------------


def response(body: bytes, call: Call) -> bytes:
    try:
        completion = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(completion, dict):
        return body
    choices = completion.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    content: list[Payload] = []
    if message.get("content"):
        content.append({"type": "text", "text": message["content"]})
    for tool_call in message.get("tool_calls") or []:
        function = tool_call.get("function") or {}
        try:
            arguments = orjson.loads(function.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            arguments = {"arguments": function.get("arguments")}
        content.append(
            {
                "type": "tool_use",
                "id": tool_call.get("id"),
                "name": function.get("name"),
                "input": arguments,
            }
        )
    return orjson.dumps(
        {
            "id": message_id(completion.get("id")),
            "type": "message",
            "role": "assistant",
            "model": completion.get("model"),
            "content": content,
            "stop_reason": STOP_REASONS.get(str(choice.get("finish_reason")), "end_turn"),
            "stop_sequence": None,
            "usage": anthropic_usage(completion.get("usage")),
        }
    )


def error(status: int, body: bytes) -> bytes:
    """An OpenAI-style error body in Anthropic's shape (its type chosen by status)."""
    inner = error_object(body)
    message = inner.get("message") if inner is not None else None
    if not isinstance(message, str) or not message:
        message = body[:500].decode("utf-8", "replace") or "the provider refused the request"
    code = (inner.get("type") or inner.get("code")) if inner is not None else None
    detail = {"error_code": str(code)} if code else None
    return orjson.dumps(
        {
            "type": "error",
            "error": {"type": anthropic_type(status), "message": message, "details": detail},
        }
    )


TRANSLATOR = Translator(
    client="messages",
    dialect="openai",
    wire=BY_NAME["chat"],
    request=request,
    response=response,
    error=error,
    stream=MessagesFromChatStream,
)
