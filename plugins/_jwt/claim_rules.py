"""``claim_rules`` entries of the jwt plugin's options: checked at load, compiled once."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plugins._jwt.verify import ClaimCheck


class ClaimRule(BaseModel):
    """A condition on one claim: exactly one of ``equals``, ``contains``, ``one_of``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    claim: str = Field(description="Claim name; a dotted path reaches into objects.")
    equals: Any = Field(None, description="The claim must equal this value.")
    contains: Any = Field(
        None, description="The claim (a list, or space-separated string) must contain this value."
    )
    one_of: list[Any] | None = Field(None, description="The claim must be one of these values.")

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        given = [n for n in ("equals", "contains", "one_of") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                f"claim rule for {self.claim!r} needs exactly one of equals, "
                f"contains, one_of (got {', '.join(given) or 'none'})"
            )
        return self

    def compile(self) -> ClaimCheck:
        if self.equals is not None:
            return ClaimCheck(self.claim, equals=self.equals)
        if self.contains is not None:
            return ClaimCheck(self.claim, contains=self.contains)
        return ClaimCheck(self.claim, one_of=tuple(self.one_of or ()))
