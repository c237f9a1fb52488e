"""input_scan: scan what users send (chat text, prompts, optional query and headers) for attacks
and leaks before it reaches a provider or a log.

The detection itself lives in ``scanners.text`` (one shared normaliser, one detector per
check, all compiled here at load). This module only decides what to scan and what a hit does:

- ``block``: 400 envelope, type ``input_rejected``, naming the checks (never the text);
- ``redact``: the matched spans are replaced by ``[REDACTED:<check>]`` (``xss``: markup is
  stripped by bleach) and the rewritten body is what the provider receives;
- ``log``: a security event only.

Every hit is a security event ``input_flagged`` naming check, rule, action and where (a JSON
path such as ``messages[2].content``), never the matched text. ``mode = "monitor"`` is handled
by the chain (a block becomes an event), and this plugin also leaves the body untouched then:
monitoring must not change traffic. A scan whose texts total more than ``thread_threshold``
runs in a worker thread so a large body never stalls the event loop; ordinary chat messages
(a few KB, ~tens of µs) stay on the loop, where a thread hop would cost more than the scan.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.responses import Response

from plugins._scan_memo import ScanMemo
from proxy.config.types import ByteSize
from proxy.errors import PolicyError
from proxy.exchange import BODY_METHODS, Exchange
from proxy.multipart import boundary_of, replace_spans, text_fields
from proxy.plugin import Plugin, PluginOptions, Services
from scanners.text import (
    CHECKS,
    CustomRules,
    ScannedText,
    ScanResult,
    TextScanner,
    UnsafePattern,
    check_pattern,
    operator_view,
    sanitize,
)
from scanners.text.extract import (
    FIELDS,
    JOINED,
    extract_texts,
    joined_parts,
    part_group,
    role_of,
    writable,
)

Action = Literal["block", "redact", "log"]
BodyField = Literal[
    "messages",
    "prompt",
    "suffix",
    "input",
    "instructions",
    "system",
    "tools",
    "functions",
    "response_format",
    "text",
    "prediction",
    "tool_choice",
]
_DEFAULT_FIELDS: tuple[BodyField, ...] = get_args(BodyField)
assert set(_DEFAULT_FIELDS) == set(FIELDS), "BodyField must name every extracted field"
_DEFAULT_ACTIONS: dict[str, Action] = {"pii": "redact"}
_TOP = re.compile(r"[A-Za-z_]\w*")  # a path's top-level field
_PATH_TOKEN = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
_HEADER = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class CustomRule(BaseModel):
    """One operator-defined check: regexes and/or literals under one name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="Check name in events.")
    regex: list[str] = Field(default_factory=list, description="Regexes (lowercase; linear).")
    literals: list[str] = Field(default_factory=list, description="Phrases, matched normalised.")
    action: Action = Field("block", description="What a hit does: block, redact or log.")

    @field_validator("regex")
    @classmethod
    def _linear(cls, value: list[str]) -> list[str]:
        for i, pattern in enumerate(value):
            try:
                check_pattern(pattern)
            except UnsafePattern as exc:
                raise ValueError(f"regex[{i}]: {exc}") from None
        return value


class InputScan(Plugin):
    name = "input_scan"
    needs_request_body = True

    class Options(PluginOptions):
        checks: list[str] = Field(
            default_factory=lambda: list(CHECKS),
            description=f"Built-in checks to run, any of {sorted(CHECKS)}.",
        )
        default_action: Action = Field("block", description="Action of a check not in actions.")
        actions: dict[str, Action] = Field(
            default_factory=dict,
            description='Per-check action, e.g. { pii = "redact", sql_injection = "log" }; '
            'pii defaults to "redact".',
        )
        rules: list[CustomRule] = Field(default_factory=list, description="Custom checks.")
        fields: list[BodyField] = Field(
            default_factory=lambda: list(_DEFAULT_FIELDS),
            description="Top-level body fields whose text is scanned; by default every one the "
            "model reads, across the chat, completions, embeddings, responses and messages APIs.",
        )
        other_bodies: Literal["refuse", "pass"] = Field(
            "refuse",
            description="A request body that is neither JSON (whatever its Content-Type says) "
            "nor multipart: refuse it with 400, or pass it on unscanned.",
        )
        query: bool = Field(False, description="Also scan the decoded query string.")
        headers: list[str] = Field(default_factory=list, description="Also scan these headers.")
        max_scan_bytes: ByteSize = Field(
            256 * 1024, description="Most text scanned per request (bounds the CPU cost)."
        )
        on_truncated: Literal["allow", "block"] = Field(
            "allow", description="What to do when the texts exceed max_scan_bytes."
        )
        thread_threshold: ByteSize = Field(
            32 * 1024, description="Texts larger than this are scanned in a worker thread."
        )
        operator_roles: list[str] = Field(
            default_factory=lambda: ["system", "developer"],
            description="Message roles whose text the operator wrote (and Anthropic's `system`, "
            "the Responses API's `instructions`): prompt_injection judges it with a stricter "
            "bar, so an application's own system prompt is not flagged. [] judges every role "
            "alike (when clients you do not trust write the system message).",
        )
        memo_bytes: ByteSize = Field(
            4 * 1024 * 1024,
            description="Remember what the scan found in texts a caller already sent (a "
            "system prompt, the conversation so far), keyed by caller and exact text, up to "
            "this many characters; a repeated text is then not scanned again. 0 turns it off.",
        )

        @field_validator("checks")
        @classmethod
        def _known_checks(cls, value: list[str]) -> list[str]:
            unknown = [c for c in value if c not in CHECKS]
            if unknown:
                raise ValueError(f"unknown checks {unknown}; expected any of {sorted(CHECKS)}")
            return value

        @field_validator("headers")
        @classmethod
        def _header_names(cls, value: list[str]) -> list[str]:
            for name in value:
                if not _HEADER.match(name) or name != name.strip():
                    raise ValueError(f"{name!r} is not a valid header name")
            return value

        @model_validator(mode="after")
        def _consistent(self) -> InputScan.Options:
            names = [*self.checks, *(r.name for r in self.rules)]
            if len(set(names)) != len(names):
                raise ValueError(f"check and rule names must be unique, got {names}")
            unknown = sorted(set(self.actions) - set(self.checks))
            if unknown:
                raise ValueError(
                    f"actions: {unknown} are not enabled checks (custom rules set their own action)"
                )
            for r in self.rules:
                if not r.regex and not r.literals:
                    raise ValueError(f"rules: {r.name!r} has neither regex nor literals")
            if not names and not self.query and not self.headers:
                raise ValueError("nothing to do: no checks and no rules")
            if int(self.max_scan_bytes) <= 0:
                raise ValueError("max_scan_bytes must be positive")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        try:
            custom = [CustomRules(r.name, r.regex, r.literals) for r in options.rules]
        except (UnsafePattern, ValueError) as exc:  # also re-checked here for dotted-path use
            raise ValueError(f"rules: {exc}") from exc
        self.scanner = TextScanner(options.checks, custom, int(options.max_scan_bytes))
        self._actions: dict[str, Action] = {c: _DEFAULT_ACTIONS.get(c, options.default_action)
                                            for c in options.checks}  # fmt: skip
        self._actions.update(options.actions)
        self._actions.update({r.name: r.action for r in options.rules})
        self._fields = frozenset(options.fields)
        self._headers = tuple(h.lower() for h in options.headers)
        self._operator_roles = frozenset(options.operator_roles)
        self._threshold = int(options.thread_threshold)
        memo = int(options.memo_bytes)
        self._memo = ScanMemo(memo) if memo > 0 else None

    async def on_request(self, ex: Exchange) -> Response | None:
        located = self._extra_texts(ex)
        form = await self._form(ex)
        if form is not None:
            located += form.texts()
        payload: Any = None if form is not None else await self._payload(ex)
        if isinstance(payload, dict):
            located += [
                (path, text) for path, text in extract_texts(payload) if _top(path) in self._fields
            ]
        if not located:
            return None
        located += joined_parts(located)
        texts = [text for _, text in located]
        if self._memo is None:
            result = await self._scan(texts)
        else:
            result = await self._scan_remembered(_caller(ex), texts, self._memo)
        self._judge(ex, located, result, payload, form)
        return None

    async def _scan(self, texts: list[str]) -> ScanResult:
        if sum(len(text) for text in texts) > self._threshold:
            return await asyncio.to_thread(self.scanner.scan, texts)
        return self.scanner.scan(texts)

    async def _scan_remembered(self, caller: str, texts: list[str], memo: ScanMemo) -> ScanResult:
        """``scanner.scan(texts)``, with the texts this caller sent before taken from the memo.

        Only when every text fits ``max_scan_bytes``: then the scanner scans each text whole
        and on its own, so a remembered result is exactly what it would return. A request
        past the cap is scanned as it always was (cut, and ``truncated``).
        """
        sizes = [_utf8_len(text) for text in texts]
        total = sum(sizes)
        if total > self.scanner.max_scan_bytes:
            return await self._scan(texts)
        scanned: list[ScannedText | None] = []
        missing: list[int] = []
        for index, text in enumerate(texts):
            known = memo.get(caller, text)
            if known is None:
                missing.append(index)
                scanned.append(None)
            else:
                scanned.append(ScannedText(index, text, *known))
        if missing:
            fresh = await self._scan([texts[i] for i in missing])
            for index, done in zip(missing, fresh.texts, strict=True):
                scanned[index] = ScannedText(index, done.original, done.normalized, done.findings)
                memo.put(caller, done.original, (done.normalized, done.findings))
        return ScanResult(tuple(s for s in scanned if s is not None), False, total)

    async def _form(self, ex: Exchange) -> _Form | None:
        """The text fields of a ``multipart/form-data`` body that ``fields`` names (an image
        edit's ``prompt``, a transcription's ``prompt``), read beside the file parts, which are
        never parsed. The body is read whole, bounded by the gateway's ``max_body``."""
        if ex.method not in BODY_METHODS or not ex.has_body:
            return None
        boundary = boundary_of(ex.media_type_header)
        if boundary is None:
            return None
        body = await ex.body()
        return _Form.of(body, [f for f in text_fields(body, boundary) if f[0] in self._fields])

    async def _payload(self, ex: Exchange) -> Any:
        """The body as the provider will read it. Whether it is JSON is decided by parsing,
        not by the client's Content-Type: the same chat body sent as ``text/plain`` or with
        no type at all is read by the provider all the same (issue 17, M5). A body that does
        not parse is refused (``other_bodies``); a form's text fields are read by ``_form``,
        its files are upload_scan's."""
        if not ex.body_loaded and not (ex.method in BODY_METHODS and ex.has_body):
            return None
        if ex.media_type.startswith("multipart/"):
            return None
        if ex.is_json or self.options.other_bodies == "refuse":
            return await ex.json()  # a 400 envelope when it does not parse
        try:
            return await ex.json()
        except PolicyError:
            return None

    def _extra_texts(self, ex: Exchange) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.options.query and ex.query_string:
            found.append(("query", unquote_plus(ex.query_string.decode("latin-1"))))
        for name in self._headers:
            value = ex.request_headers.get(name)
            if value:
                found.append((f"header.{name}", value))
        return found

    def _judge(
        self,
        ex: Exchange,
        located: Sequence[tuple[str, str]],
        result: ScanResult,
        payload: Any,
        form: _Form | None = None,
    ) -> None:
        if result.truncated:
            ex.record_event("scan_truncated", self.name, "input larger than max_scan_bytes",
                            scanned=result.scanned_bytes, monitored=self.monitoring)  # fmt: skip
            if self.options.on_truncated == "block":
                raise PolicyError(413, "input_too_large", "input too large to scan")
        blocked: set[str] = set()
        edits: list[_Edit] = []
        in_parts: set[tuple[str, str]] = set()  # (content path, check) already found in a part
        for scanned in result.texts:
            if not scanned.findings:
                continue
            path = located[scanned.index][0]
            if isinstance(payload, dict) and role_of(payload, path) in self._operator_roles:
                scanned = operator_view(scanned)
                if not scanned.findings:
                    continue
            group = part_group(path)
            if path.endswith(JOINED):
                hits = {(f.check, f.rule) for f in scanned.findings
                        if (group, f.check) not in in_parts}  # fmt: skip
            else:
                hits = {(f.check, f.rule) for f in scanned.findings}
                in_parts.update((group, f.check) for f in scanned.findings)
            redact: set[str] = set()
            for check, rule in sorted(hits):
                action = self._actions[check]
                if action == "redact" and not _is_body_path(path):
                    action = "block"  # query strings and headers cannot be rewritten safely
                ex.record_event("input_flagged", self.name, f"{check}/{rule}", check=check,
                                rule=rule, action=action, path=path,
                                monitored=self.monitoring)  # fmt: skip
                if action == "block":
                    blocked.add(check)
                elif action == "redact":
                    redact.add(check)
            if redact:
                edits.append(
                    _Edit(path, _rewrite(self.scanner, located[scanned.index][1], scanned, redact))
                )
        if blocked:
            names = ", ".join(sorted(blocked))
            raise PolicyError(400, "input_rejected", f"input rejected by policy (checks: {names})")
        if edits and not self.monitoring and form is not None:
            ex.set_body(form.rewritten(edits))
        elif edits and not self.monitoring and isinstance(payload, dict):
            for edit in edits:
                _set_path(payload, edit.path, edit.text)
            ex.set_json(payload)

    def describe(self) -> dict[str, Any]:
        return {
            "checks": list(self.scanner.check_names),
            "actions": dict(self._actions),
            "fields": sorted(self._fields),
            "max_scan_bytes": self.scanner.max_scan_bytes,
        }


@dataclass(frozen=True, slots=True)
class _Edit:
    path: str
    text: str


@dataclass(frozen=True, slots=True)
class _Form:
    """A multipart body and the text fields to scan: ``(path, start, end)``, where the path is
    the field's name (``prompt``), then ``prompt#2``... for a name sent again."""

    body: bytes
    fields: list[tuple[str, int, int]]

    @classmethod
    def of(cls, body: bytes, spans: Sequence[tuple[str, int, int]]) -> _Form:
        seen: dict[str, int] = {}
        fields = []
        for name, start, end in spans:
            seen[name] = seen.get(name, 0) + 1
            fields.append((name if seen[name] == 1 else f"{name}#{seen[name]}", start, end))
        return cls(body, fields)

    def texts(self) -> list[tuple[str, str]]:
        return [(path, self.body[start:end].decode("utf-8", "replace"))
                for path, start, end in self.fields]  # fmt: skip

    def rewritten(self, edits: Sequence[_Edit]) -> bytes:
        """The body with each edited field's value replaced, every other byte as it was."""
        texts = {edit.path: edit.text for edit in edits}
        splices = [(start, end, texts[path].encode("utf-8"))
                   for path, start, end in self.fields if path in texts]  # fmt: skip
        return replace_spans(self.body, splices)


def _rewrite(scanner: TextScanner, full: str, scanned: ScannedText, checks: set[str]) -> str:
    """The redacted text: only the matched spans change, then bleach when xss is among them.

    Spans found in the normalised form are mapped back to the original characters
    (`TextScanner.redact`), so case, newlines and indentation survive. A text cut by the scan
    cap keeps its unscanned remainder as it was.
    """
    text = scanner.redact(scanned, checks - {"xss"})
    if "xss" in checks:
        text = sanitize(text)
    if len(scanned.original) < len(full) and full.startswith(scanned.original):
        text += full[len(scanned.original) :]
    return text


def _caller(ex: Exchange) -> str:
    """Whose memo entries a request may use: its identity, else its client address."""
    identity = ex.identity
    return f"{identity.source}:{identity.subject}" if identity is not None else ex.client_ip


def _utf8_len(text: str) -> int:
    """What a text counts against ``max_scan_bytes`` (the scanner counts UTF-8 bytes)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _top(path: str) -> str:
    match = _TOP.match(path)
    return match.group() if match else ""


def _is_body_path(path: str) -> bool:
    """Whether a redaction can be written back at `path` (a joined text, a schema or a
    file's data cannot)."""
    return path != "query" and not path.startswith("header.") and writable(path)


def _set_path(document: Any, path: str, value: str) -> None:
    """Assign ``value`` at a path like ``messages[2].content[0].text`` in ``document``."""
    keys: list[str | int] = [
        name if name else int(index) for name, index in _PATH_TOKEN.findall(path)
    ]
    node = document
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
