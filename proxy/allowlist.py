"""The model allowlist (``identity.allowed_models``), checked by the core once the model is final.

An authentication plugin (``api_key``, ``jwt``) says which model aliases a caller may use; it
does not get the last word on which model is asked for, since a plugin later in the chain may
rewrite ``model``. So the core checks the body as it leaves the request phase, just before it
routes by that same ``model``: no plugin order gets around it. The plugins may also check early
(to refuse before a limit counts the request); both use ``check_model``, so the answer and the
event are the same wherever the refusal happens.
"""

from __future__ import annotations

from typing import NoReturn

from proxy.errors import PolicyError
from proxy.exchange import BODY_METHODS, Exchange
from proxy.multipart import boundary_of, form_field


async def check_model(ex: Exchange, allowed: frozenset[str], plugin: str, monitored: bool) -> None:
    """403 unless the request's ``model`` is one the caller may use.

    The body is read only for restricted callers. A restricted caller whose request carries a
    body that is not JSON is refused: its model cannot be checked (fail closed). In monitor
    mode the event is recorded (once per exchange) and the request goes on.
    """
    if ex.method not in BODY_METHODS:
        return
    if not ex.is_json:
        if not ex.has_body:
            return
        boundary = boundary_of(ex.media_type_header)
        if boundary is None:
            _refuse(ex, plugin, monitored, "model_unverifiable", None)
            return
        # An upload (audio transcription): the model is a form field; without one that can
        # be read, the model cannot be checked (fail closed).
        model: object = form_field(await ex.body(), boundary, b"model")
        if model is None:
            _refuse(ex, plugin, monitored, "model_unverifiable", None)
            return
    else:
        body = await ex.json()
        model = body.get("model") if isinstance(body, dict) else None
    if model is None:
        return
    if not isinstance(model, str) or model not in allowed:
        _refuse(ex, plugin, monitored, "model_not_allowed", model)


async def enforce_allowed_model(ex: Exchange) -> None:
    """The core's check, after the request phase: the identity's allowlist against the final
    body. Nothing to do for callers without an allowlist."""
    identity = ex.identity
    if identity is None or identity.allowed_models is None:
        return
    await check_model(ex, identity.allowed_models, identity.source or "core", identity.monitored)


def _refuse(ex: Exchange, plugin: str, monitored: bool, reason: str, model: object) -> None:
    detail = str(model)[:100] if model is not None else None
    if monitored:
        if not any(e.type == "model_denied" and e.detail.get("model") == detail for e in ex.events):
            ex.record_event("model_denied", plugin, reason, monitored=True, model=detail)
        return
    ex.record_event("model_denied", plugin, reason, model=detail)
    _raise(reason)


def _raise(reason: str) -> NoReturn:
    if reason == "model_unverifiable":
        raise PolicyError(
            403,
            "model_not_allowed",
            "this credential is limited to certain models; send a JSON body",
        )
    raise PolicyError(403, "model_not_allowed", "this credential may not use this model")
