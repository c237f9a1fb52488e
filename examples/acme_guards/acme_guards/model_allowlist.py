"""ModelAllowlist: only let requests for approved model aliases through.

An example of a third-party plugin: one module, an ``Options`` model at the top, one hook,
refusals raised as ``PolicyError``. Load it by dotted path
(``use = "acme_guards.model_allowlist:ModelAllowlist"``) or, once installed, by the entry
point name this package declares (``use = "model_allowlist"``).
"""

from __future__ import annotations

from pydantic import Field

from sluicegate.api import Exchange, Plugin, PluginOptions, PolicyError, Response, Services


class ModelAllowlist(Plugin):
    name = "model_allowlist"
    needs_request_body = True

    class Options(PluginOptions):
        allow: list[str] = Field(min_length=1, description="Model aliases callers may use.")
        header: str = Field("X-Acme-Policy", description="Response header naming the policy.")

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._allowed = frozenset(options.allow)

    async def on_request(self, ex: Exchange) -> Response | None:
        # Only a JSON body names a model; a GET (or a form upload) has nothing to check here.
        payload = await ex.json() if ex.may_have_body and ex.is_json else None
        model = payload.get("model") if isinstance(payload, dict) else None
        if model is not None and model not in self._allowed:
            ex.record_event("model_denied", self.name, f"model {model!r} is not allowed")
            raise PolicyError(403, "model_not_allowed", f"model {model!r} is not allowed here")
        return None

    async def on_response(self, ex: Exchange) -> None:
        ex.response_headers[self.options.header] = "model-allowlist"
