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
stay on the loop, where a thread hop would cost a third to half of their scan.

The parts beside this module, in ``plugins/_scan/``: ``texts`` (what a request gives to scan,
from the body the core parsed once), ``running`` (loop or thread, through ``memo``) and
``verdict`` (events, block, redaction). Per request the plugin adds ~10 µs of CPU to what
its scanners cost (docs/input-scanning.md, "Cost").
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.responses import Response

from plugins._scan.memo import ScanMemo, caller_of
from plugins._scan.running import ScanRunner
from plugins._scan.texts import MULTIPART_FORM, query_and_headers, read_form, read_payload
from plugins._scan.verdict import Action, Verdict
from proxy.config.types import ByteSize
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services
from scanners.text import CHECKS, CustomRules, TextScanner, UnsafePattern, check_pattern
from scanners.text.extract import FIELDS, extract_texts, fields_in_order, joined_parts

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
_TEXT = itemgetter(1)
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
        actions: dict[str, Action] = {c: _DEFAULT_ACTIONS.get(c, options.default_action)
                                      for c in options.checks}  # fmt: skip
        actions.update(options.actions)
        actions.update({r.name: r.action for r in options.rules})
        self._fields = fields_in_order(options.fields)
        self._form_fields = frozenset(options.fields)
        self._query = options.query
        self._headers = tuple(h.lower() for h in options.headers)
        self._refuse_other = options.other_bodies == "refuse"
        memo = int(options.memo_bytes)
        self._runner = ScanRunner(
            self.scanner, int(options.thread_threshold), ScanMemo(memo) if memo > 0 else None
        )
        self._verdict = Verdict(
            self.name,
            self.scanner,
            actions,
            frozenset(options.operator_roles),
            options.on_truncated == "block",
        )

    async def on_request(self, ex: Exchange) -> Response | None:
        located = (
            query_and_headers(ex, self._query, self._headers)
            if self._query or self._headers
            else []
        )
        payload: Any = None
        form = None
        media = ex.media_type
        if not media.startswith("multipart/"):
            pending = read_payload(ex, self._refuse_other)
            payload = await pending if pending is not None else None
            if isinstance(payload, dict):
                located += extract_texts(payload, self._fields)
        elif media == MULTIPART_FORM:
            form = await read_form(ex, self._form_fields)
            if form is not None:
                located += form.texts()
        if not located:
            return None
        located += joined_parts(located)
        texts = list(map(_TEXT, located))
        result = self._runner.inline(texts)
        if result is None:
            caller = caller_of(ex) if self._runner.memo is not None else None
            result = await self._runner.scan(texts, caller)
        self._verdict.apply(ex, located, result, payload, form, self.monitoring)
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "checks": list(self.scanner.check_names),
            "actions": dict(self._verdict.actions),
            "fields": sorted(self._fields),
            "max_scan_bytes": self.scanner.max_scan_bytes,
        }
