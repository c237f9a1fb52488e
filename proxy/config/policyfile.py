"""The shape of a policy file (``policies/<name>.toml``): its plugins in chain order, each
with the keys the chain handles (``use``, ``mode``, ``when``) beside the plugin's own options,
and the policy's tests (``sluicegate test``). Unknown keys are errors, as in config.toml."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from proxy.config.types import Strict

PluginMode = Literal["enforce", "monitor"]


class When(Strict):
    path_prefix: str | None = None
    methods: list[str] | None = None
    header: dict[str, str] | None = Field(None, description='name -> value ("*": present)')
    claim: dict[str, str] | None = Field(None, description="identity claim -> value")


class PluginEntry(BaseModel):
    """The keys the chain handles for every plugin; the rest belong to the plugin's Options."""

    model_config = ConfigDict(extra="allow", frozen=True)
    use: str = Field(description="Plugin name or dotted path package.module:Class.")
    mode: PluginMode = "enforce"
    when: When | None = None


class TestRequest(Strict):
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = {}
    query: str = ""
    json_body: object | None = Field(None, alias="json")
    body: str | None = None
    client_ip: str = "127.0.0.1"


class TestExpect(Strict):
    status: int | None = None
    headers: dict[str, str] = {}
    body_contains: str | None = None
    error_type: str | None = None
    provider: str | None = Field(None, description="The provider that answered (needs `route`).")
    model: str | None = Field(None, description="The model name the provider was sent.")


class TestStep(Strict):
    request: TestRequest
    expect: TestExpect = TestExpect()
    repeat: int = Field(1, ge=1, le=10_000, description="Send the request this many times.")


# What a scripted provider does with one request: answer it (the mock provider's answer),
# fail to connect, time out before the first byte, or answer with this HTTP status.
ProviderReply = Annotated[str, Field(pattern=r"^(answer|fail|slow|[1-5][0-9][0-9])$")]


class PolicyTest(Strict):
    """One request (``request`` + ``expect``) or a sequence (``steps``) on one shared store.

    With ``route``, requests go to that route's real upstream group (its targets, model
    mapping, balancer, retries and breaker), each provider scripted by ``providers``.
    """

    name: str
    request: TestRequest | None = None
    expect: TestExpect = TestExpect()
    steps: list[TestStep] = []
    route: str | None = Field(
        None, description="Send to this route's upstream group instead of the bare mock."
    )
    providers: dict[str, list[ProviderReply]] = Field(
        {},
        description="provider -> its replies in order, the last one repeating "
        '("answer", "fail", "slow" or an HTTP status); unscripted providers answer.',
    )

    @model_validator(mode="after")
    def _one_shape(self) -> PolicyTest:
        if (self.request is None) == (not self.steps):
            raise ValueError("a test has either `request` (with `expect`) or `steps`")
        if self.providers and self.route is None:
            raise ValueError("`providers` scripts a route's upstream group: set `route` too")
        return self

    def sequence(self) -> list[TestStep]:
        if self.request is not None:
            return [TestStep(request=self.request, expect=self.expect)]
        return self.steps


class PolicyFile(Strict):
    description: str = ""
    plugins: list[PluginEntry] = []
    tests: list[PolicyTest] = []
