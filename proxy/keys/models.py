"""What the admin API accepts: one pydantic model per request body (unknown fields refused).

These models are the API's validation and its OpenAPI schemas at once (``openapi.py``
publishes ``model_json_schema()`` of each), so the document cannot drift from the checks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from proxy.config.types import Duration

Period = Literal["day", "month"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            "must be 1-128 characters of letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def _check_models(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    if any(not isinstance(m, str) or not m.strip() for m in value):
        raise ValueError("every model must be a non-empty string")
    return sorted(set(value))


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Limits(Body):
    models: list[str] | None = Field(
        None, description="Model aliases allowed (null: any the route serves)."
    )
    rpm: int | None = Field(None, ge=1, description="Requests per minute.")
    tpm: int | None = Field(None, ge=1, description="Tokens per minute.")
    budget_usd: float | None = Field(None, ge=0, description="USD per budget_period.")
    budget_period: Period = Field("month", description="The budget's UTC calendar window.")
    metadata: dict[str, Any] = Field({}, description="Free-form labels for your own use.")

    _models = field_validator("models")(classmethod(lambda cls, v: _check_models(v)))


class TeamCreate(_Limits):
    name: str = Field(description="Unique team name (keys name their team by it).")

    _name = field_validator("name")(classmethod(lambda cls, v: _check_name(v)))


class TeamUpdate(Body):
    """Only the fields sent change; null clears a limit."""

    budget_usd: float | None = Field(None, ge=0)
    budget_period: Period | None = None
    rpm: int | None = Field(None, ge=1)
    tpm: int | None = Field(None, ge=1)
    models: list[str] | None = None
    metadata: dict[str, Any] | None = None

    _models = field_validator("models")(classmethod(lambda cls, v: _check_models(v)))


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("expected an ISO 8601 time or epoch seconds")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError('expected an ISO 8601 time such as "2026-12-31T00:00:00Z"') from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    raise ValueError("expected an ISO 8601 time or epoch seconds")


class KeyCreate(_Limits):
    team: str | None = Field(None, description="Name of the team the key belongs to.")
    name: str | None = Field(None, max_length=128, description="A label for people.")
    tier: str | None = Field(None, max_length=64, description="identity.tier of callers.")
    expires_at: float | None = Field(
        None, description="ISO 8601 time or epoch seconds after which the key is refused."
    )

    _expires = field_validator("expires_at", mode="before")(
        classmethod(lambda cls, v: _timestamp(v))
    )


class KeyUpdate(Body):
    """Only the fields sent change; null clears a limit (or the team, or the expiry)."""

    team: str | None = None
    name: str | None = Field(None, max_length=128)
    tier: str | None = Field(None, max_length=64)
    models: list[str] | None = None
    rpm: int | None = Field(None, ge=1)
    tpm: int | None = Field(None, ge=1)
    budget_usd: float | None = Field(None, ge=0)
    budget_period: Period | None = None
    expires_at: float | None = None
    metadata: dict[str, Any] | None = None

    _models = field_validator("models")(classmethod(lambda cls, v: _check_models(v)))
    _expires = field_validator("expires_at", mode="before")(
        classmethod(lambda cls, v: _timestamp(v))
    )


class KeyRotate(Body):
    overlap_seconds: float = Field(
        3600, ge=0, le=30 * 86400, description="How long the old secret keeps working."
    )
    overlap: Duration | None = Field(
        None, description='The same as a duration ("10m", "1h", "0s"); wins over overlap_seconds.'
    )

    @model_validator(mode="after")
    def _overlap(self) -> KeyRotate:
        if self.overlap is not None:
            if self.overlap > 30 * 86400:
                raise ValueError("overlap: at most 30 days")
            self.overlap_seconds = self.overlap
        return self
