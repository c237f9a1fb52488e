"""Form fields to admin API bodies: blank means "not set" on create and "clear" on change.

Numbers are parsed here only to send the API a number rather than a string; the API's own
models decide what is valid (ranges, names, unknown fields) and their refusal is shown.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

INTEGERS = ("rpm", "tpm")
NUMBERS = ("budget_usd",)
TEXTS = ("name", "tier", "budget_period", "expires_at", "team")


class FormError(ValueError):
    pass


def limits_body(form: FormData, fields: tuple[str, ...], clear_blank: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in fields:
        if field not in form:
            continue
        raw = str(form.get(field) or "").strip()
        if not raw:
            if clear_blank:
                body[field] = None
            continue
        body[field] = _value(field, raw)
    return body


def _value(field: str, raw: str) -> Any:
    if field == "models":
        return [m.strip() for m in raw.split(",") if m.strip()]
    if field in INTEGERS:
        if not raw.isdigit():
            raise FormError(f"{field}: expected a whole number")
        return int(raw)
    if field in NUMBERS:
        try:
            return float(raw)
        except ValueError:
            raise FormError(f"{field}: expected a number") from None
    return raw


def text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()
