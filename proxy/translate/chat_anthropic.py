"""OpenAI chat completions -> an Anthropic Messages provider, and its answers back.

Request: system and developer messages become ``system``; tool results become ``tool_result``
blocks in a user turn; assistant ``tool_calls`` become ``tool_use`` blocks; image parts become
image blocks (data URLs as base64 sources, others as URL sources); ``max_tokens`` is required
by Anthropic, so the provider's ``default_max_tokens`` fills it when absent. ``n`` > 1,
logprobs, logit_bias, audio, JSON response formats and non-zero penalties have no counterpart:
a 400 names them. The answer comes back as a ``chat.completion`` with ``stop_reason`` mapped to
``finish_reason`` and cache reads reported as ``prompt_tokens_details.cached_tokens``.
"""

from __future__ import annotations

import time

import orjson

from proxy.apis import BY_NAME
from proxy.translate.base import Call, Payload, Translator, Untranslatable
from proxy.translate.chat_anthropic_stream import ChatFromAnthropicStream
from proxy.translate.shapes import FINISH_REASONS, error_object, openai_usage

TARGET = "Anthropic Messages"

# Sent as they are (same name, same meaning).
_SAME = ("temperature", "top_p", "stream")
# Accepted only at their no-op value.
_NEUTRAL: dict[str, tuple[object, ...]] = {
    "n": (None, 1),
    "logprobs": (None, False),
    "top_logprobs": (None, 0),
    "logit_bias": (None, {}),
    "presence_penalty": (None, 0, 0.0),
    "frequency_penalty": (None, 0, 0.0),
    "audio": (None,),
    "prediction": (None,),
    "reasoning_effort": (None,),
    "functions": (None,),
    "function_call": (None,),
}


def request(payload: Payload, call: Call) -> Payload:
    for name, neutral in _NEUTRAL.items():
        if payload.get(name) not in neutral:
            raise Untranslatable(f"the chat completion field {name!r}", TARGET)
    modalities = payload.get("modalities")
    if modalities not in (None, ["text"]):
        raise Untranslatable("modalities other than text", TARGET)
    response_format = payload.get("response_format")
    if response_format is not None and (
        not isinstance(response_format, dict) or response_format.get("type") != "text"
    ):
        raise Untranslatable("response_format (JSON modes)", TARGET)
    system, messages = _messages(payload.get("messages"))
    out: Payload = {"model": call.model or payload.get("model"), "messages": messages}
    if system:
        out["system"] = system
    out["max_tokens"] = _max_tokens(payload, call.default_max_tokens)
    for name in _SAME:
        if payload.get(name) is not None:
            out[name] = payload[name]
    stop = payload.get("stop")
    if stop is not None:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    tools = payload.get("tools")
    if tools:
        out["tools"] = [_tool(tool) for tool in tools]
    choice = _tool_choice(payload.get("tool_choice"), payload.get("parallel_tool_calls"))
    if choice is not None:
        out["tool_choice"] = choice
    user = payload.get("user")
    if isinstance(user, str) and user:
        out["metadata"] = {"user_id": user}
    return out


def _max_tokens(payload: Payload, default: int) -> int:
    for name in ("max_completion_tokens", "max_tokens"):
        value = payload.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return default


def _messages(raw: object) -> tuple[str, list[Payload]]:
    if not isinstance(raw, list) or not raw:
        raise Untranslatable("a request without messages", TARGET)
    system: list[str] = []
    out: list[Payload] = []
    for message in raw:
        if not isinstance(message, dict):
            raise Untranslatable("a message that is not an object", TARGET)
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(_text_of(message.get("content")))
            continue
        if role == "user":
            blocks = _user_blocks(message.get("content"))
        elif role == "assistant":
            blocks = _assistant_blocks(message)
            role = "assistant"
        elif role == "tool":
            role = "user"
            blocks = [
                {
                    "type": "tool_result",
                    "tool_use_id": str(message.get("tool_call_id") or ""),
                    "content": _text_of(message.get("content")),
                }
            ]
        else:
            raise Untranslatable(f"the message role {role!r}", TARGET)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:  # Anthropic alternates turns: merge neighbours
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    if not out:
        raise Untranslatable("a request with only system messages", TARGET)
    return "\n\n".join(s for s in system if s), out


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                parts.append(str(part.get("text", "")))
            elif isinstance(part, dict):
                raise Untranslatable(f"a {part.get('type')!r} part in this message", TARGET)
        return "\n".join(parts)
    if content is None:
        return ""
    raise Untranslatable("message content that is not text", TARGET)


def _user_blocks(content: object) -> list[Payload]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise Untranslatable("user content that is neither text nor parts", TARGET)
    blocks: list[Payload] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            blocks.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "image_url":
            blocks.append(_image(part.get("image_url")))
        else:
            raise Untranslatable(f"a {kind!r} content part", TARGET)
    return blocks


def _image(image: object) -> Payload:
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise Untranslatable("an image part without a url", TARGET)
    if url.startswith("data:"):
        head, sep, data = url[5:].partition(",")
        media_type, _, encoding = head.partition(";")
        if not sep or encoding != "base64":
            raise Untranslatable("an image data URL that is not base64", TARGET)
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _assistant_blocks(message: Payload) -> list[Payload]:
    blocks: list[Payload] = []
    text = _text_of(message.get("content"))
    if text:
        blocks.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise Untranslatable("a tool call that is not a function call", TARGET)
        arguments = function.get("arguments") or "{}"
        try:
            parsed = orjson.loads(arguments) if isinstance(arguments, str) else arguments
        except orjson.JSONDecodeError:
            raise Untranslatable("tool call arguments that are not JSON", TARGET) from None
        blocks.append(
            {
                "type": "tool_use",
                "id": str(call.get("id") or ""),
                "name": str(function.get("name") or ""),
                "input": parsed if isinstance(parsed, dict) else {"value": parsed},
            }
        )
    return blocks


def _tool(tool: object) -> Payload:
    function = tool.get("function") if isinstance(tool, dict) else None
    if (
        not isinstance(tool, dict)
        or tool.get("type") != "function"
        or not isinstance(function, dict)
    ):
        raise Untranslatable("a tool that is not a function", TARGET)
    out: Payload = {
        "name": function.get("name"),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _tool_choice(choice: object, parallel: object) -> Payload | None:
    if choice is None and parallel is not False:
        return None
    if choice is None or choice == "auto":
        out: Payload = {"type": "auto"}
    elif choice == "none":
        return {"type": "none"}
    elif choice == "required":
        out = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        out = {"type": "tool", "name": choice["function"].get("name")}
    else:
        raise Untranslatable(f"tool_choice {choice!r}", TARGET)
    if parallel is False:
        out["disable_parallel_tool_use"] = True
    return out


# -- answers ------------------------------------------------------------------------------------


def response(body: bytes, call: Call) -> bytes:
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(message, dict):
        return body
    text: list[str] = []
    tool_calls = []
    for block in message.get("content") or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            text.append(str(block.get("text", "")))
        elif block.get("type") == "tool_use":
            tool_calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {
                        "name": block.get("name"),
                        "arguments": orjson.dumps(block.get("input") or {}).decode(),
                    },
                }
            )
    reply: Payload = {"role": "assistant", "content": "".join(text) if text else None}
    if tool_calls:
        reply["tool_calls"] = tool_calls
    return orjson.dumps(
        {
            "id": message.get("id"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": message.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": reply,
                    "finish_reason": FINISH_REASONS.get(str(message.get("stop_reason")), "stop"),
                    "logprobs": None,
                }
            ],
            "usage": openai_usage(message.get("usage")),
        }
    )


def error(status: int, body: bytes) -> bytes:
    """Anthropic's ``{"type": "error", "error": {"type", "message"}}`` as OpenAI's envelope."""
    inner = error_object(body)
    if inner is None:
        inner = {"type": "provider_error", "message": body[:500].decode("utf-8", "replace")}
    return orjson.dumps(
        {
            "error": {
                "type": inner.get("type") or "provider_error",
                "message": inner.get("message") or "the provider refused the request",
                "code": status,
            }
        }
    )


TRANSLATOR = Translator(
    client="chat",
    dialect="anthropic",
    wire=BY_NAME["messages"],
    request=request,
    response=response,
    error=error,
    stream=ChatFromAnthropicStream,
)
