"""What input_scan's findings do to a request: a ``input_flagged`` event per check and rule,
then block (400 ``input_rejected``), redact (the matched spans rewritten in the body) or log.

Findings are judged per text: in a message the operator wrote (``operator_roles``) only what
``operator_view`` keeps counts, and a check already found in one part of a content array is
not reported again for the parts joined. A redaction is written back only where the body can
take it: never into a query string, a header, a joined text, a schema or a file's data (a
block then). Monitoring records the events and leaves the body as it came.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from plugins._scan.texts import Edit, Form
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from scanners.text import ScannedText, ScanResult, TextScanner, operator_view, sanitize
from scanners.text.extract import JOINED, TextAt, part_group, role_of, writable

Action = Literal["block", "redact", "log"]
_PATH_TOKEN = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


class Verdict:
    """The plugin's actions and roles, fixed at load; ``apply`` per request with findings."""

    __slots__ = ("actions", "block_truncated", "name", "operator_roles", "scanner")

    def __init__(
        self,
        name: str,
        scanner: TextScanner,
        actions: Mapping[str, Action],
        operator_roles: frozenset[str],
        block_truncated: bool,
    ) -> None:
        self.name = name
        self.scanner = scanner
        self.actions = dict(actions)
        self.operator_roles = operator_roles
        self.block_truncated = block_truncated

    def apply(
        self,
        ex: Exchange,
        located: Sequence[TextAt],
        result: ScanResult,
        payload: Any,
        form: Form | None,
        monitoring: bool,
    ) -> None:
        """Record the events; raise the block; write the redactions into the body."""
        if result.truncated:
            ex.record_event("scan_truncated", self.name, "input larger than max_scan_bytes",
                            scanned=result.scanned_bytes, monitored=monitoring)  # fmt: skip
            if self.block_truncated:
                raise PolicyError(413, "input_too_large", "input too large to scan")
        for scanned in result.texts:  # any findings? (`result.findings` builds a tuple)
            if scanned.findings:
                break
        else:
            return
        blocked: set[str] = set()
        edits: list[Edit] = []
        in_parts: set[tuple[str, str]] = set()  # (content path, check) already found in a part
        for scanned in result.texts:
            if not scanned.findings:
                continue
            path = located[scanned.index][0]
            if isinstance(payload, dict) and role_of(payload, path) in self.operator_roles:
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
                action = self.actions[check]
                if action == "redact" and not _is_body_path(path):
                    action = "block"  # query strings and headers cannot be rewritten safely
                ex.record_event("input_flagged", self.name, f"{check}/{rule}", check=check,
                                rule=rule, action=action, path=path,
                                monitored=monitoring)  # fmt: skip
                if action == "block":
                    blocked.add(check)
                elif action == "redact":
                    redact.add(check)
            if redact:
                text = _rewrite(self.scanner, located[scanned.index][1], scanned, redact)
                edits.append(Edit(path, text))
        if blocked:
            names = ", ".join(sorted(blocked))
            raise PolicyError(400, "input_rejected", f"input rejected by policy (checks: {names})")
        if edits and not monitoring and form is not None:
            ex.set_body(form.rewritten(edits))
        elif edits and not monitoring and isinstance(payload, dict):
            for edit in edits:
                _set_path(payload, edit.path, edit.text)
            ex.set_json(payload)


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
