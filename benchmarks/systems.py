"""The systems under test: one list, one entry per system.

A system is a name, a command and an environment. Placeholders in `argv` and `env`
values are filled in per start:

  {python}          the venv's interpreter          {root}          the repository root
  {port}            where the system must listen     {admin_port}    its admin listener
  {upstream_origin} http://127.0.0.1:<upstream port>  {upstream_url}  the same + "/v1"
  {redis_url}       a redis-server the harness started (only with needs=("redis",))
  {tmp}             the run's temp dir

To compare another gateway set-up in the same run, add a `gateway(...)` entry below with
its config in benchmarks/configs/ (and `default=False` until it works), or pass
`--config path/to/config.toml` for a one-off. `headers` are sent by every load generator
to that system (e.g. an Authorization header for a jwt policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "benchmarks" / "configs"


@dataclass(frozen=True)
class System:
    name: str
    argv: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    # "direct" = no process: load goes straight to the upstream.
    kind: str = "process"  # process | direct
    # How to know it is up: "tcp" (port accepts) or "admin" (GET /-/ready on admin_port = 200).
    ready: str = "tcp"
    baseline: bool = False
    default: bool = True
    needs: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


DIRECT = System(
    name="direct",
    kind="direct",
    baseline=True,
    description="load generator straight to the upstream, no proxy",
)


def floor(name: str, engine: str, *, baseline: bool = True) -> System:
    """The bare server + aiohttp passthrough (benchmarks/baseline_passthrough.py). Ratios are
    to the baseline one ("floor"); another floor is an opt-in system compared with it."""
    return System(
        name=name,
        argv=(
            "{python}",
            "-m",
            "benchmarks.baseline_passthrough",
            "--port",
            "{port}",
            "--upstream",
            "{upstream_origin}",
            "--engine",
            engine,
        ),
        baseline=baseline,
        default=baseline,
        description=f"bare {engine} + aiohttp passthrough (benchmarks/baseline_passthrough.py)",
    )


FLOOR = floor("floor", "hypercorn")
FLOOR_GRANIAN = floor("floor-granian", "granian", baseline=False)


def granian_floor(interface: str, *, whole: bool = False) -> System:
    """The Granian floor driven in process the gateway's way, through ``interface``
    (benchmarks/granian_floor.py; ``whole``: the answer read whole and sent in one piece):
    for ``socket_ab --cachesim``, not a baseline."""
    return System(
        name=f"floor-granian-{interface}" + ("-whole" if whole else ""),
        argv=(
            *("{python}", "-m", "benchmarks.granian_floor", "--port", "{port}"),
            *("--upstream", "{upstream_origin}", "--interface", interface),
            *(("--whole",) if whole else ()),
        ),
        default=False,
        description=f"bare Granian {interface.upper()} worker in process + aiohttp passthrough",
    )


# HS256 secret and claims of the bench-only token the jwt policy (configs/policies/limits.toml)
# accepts; not a real secret. The token is signed here so that the two can never drift.
BENCH_JWT_SECRET = "sluicegate-bench-hs256-secret-0123456789abcdef"
BENCH_JWT_CLAIMS = {
    "sub": "bench-user",
    "tier": "pro",
    "iss": "sluicegate-bench",
    "aud": "sluicegate",
    "exp": 4102444800,  # 2100-01-01
}


def bench_token() -> str:
    import jwt

    return jwt.encode(BENCH_JWT_CLAIMS, BENCH_JWT_SECRET, algorithm="HS256")


def gateway(
    name: str,
    config: Path,
    *,
    default: bool = True,
    needs: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    description: str = "",
) -> System:
    """The gateway run as `python -m proxy serve -c <config>`.

    Bench configs read their addresses from the environment (BENCH_LISTEN,
    BENCH_ADMIN_LISTEN, BENCH_UPSTREAM_URL, REDIS_URL), so one file serves every run.
    """
    return System(
        name=name,
        argv=("{python}", "-m", "proxy", "serve", "-c", str(config)),
        env={
            "BENCH_LISTEN": "127.0.0.1:{port}",
            "BENCH_ADMIN_LISTEN": "127.0.0.1:{admin_port}",
            "BENCH_UPSTREAM_URL": "{upstream_url}",
            **({"REDIS_URL": "{redis_url}"} if "redis" in needs else {}),
            **(env or {}),
        },
        ready="admin",
        default=default,
        needs=needs,
        headers=headers or {},
        description=description or f"sluicegate serve -c {config.relative_to(ROOT)}",
    )


# What a system whose policy has the bench jwt entry needs: the secret, and the token sent.
class _Credentials(TypedDict):
    env: Mapping[str, str]
    headers: Mapping[str, str]


BENCH_JWT: _Credentials = {
    "env": {"BENCH_JWT_SECRET": BENCH_JWT_SECRET},
    "headers": {"Authorization": f"Bearer {bench_token()}"},
}

# The list. Baselines first; the first non-baseline system is the one the ratios headline.
SYSTEMS: list[System] = [
    DIRECT,
    FLOOR,
    FLOOR_GRANIAN,
    *(granian_floor(i, whole=w) for i in ("asgi", "rsgi") for w in (False, True)),
    gateway(
        "gateway",
        CONFIGS / "core.toml",
        description="gateway, default core: request_id policy, JSON access log, one worker",
    ),
    gateway(
        "gateway-granian",
        CONFIGS / "core.toml",
        default=False,
        env={"BENCH_ENGINE": "granian"},
        description='the gateway system on [server] engine = "granian" (issue 15)',
    ),
    gateway(
        "gateway-3targets",
        CONFIGS / "three_targets.toml",
        default=False,
        description="three-target group (same upstream) with breaker and retries (issue 3)",
    ),
    gateway(
        "gateway-jwt-redis",
        CONFIGS / "limits.toml",
        default=False,
        needs=("redis",),
        **BENCH_JWT,
        description="jwt (HS256) + rate_limit on the redis backend (issue 4)",
    ),
    gateway(
        "gateway-input-scan",
        CONFIGS / "input_scan.toml",
        default=False,
        description="input_scan with all six checks (issue 5; see scenario latency_c1_4k)",
    ),
    gateway(
        "gateway-output-scan",
        CONFIGS / "output_scan.toml",
        default=False,
        description="output_scan, 64-character hold-back window (issue 14; scenario stream_500)",
    ),
    gateway(
        "gateway-full",
        CONFIGS / "full.toml",
        default=False,
        needs=("redis",),
        **BENCH_JWT,
        description="the full public chain: tracing, request_id, security_headers, jwt, "
        "rate_limit on redis, input_scan with six checks (issue 15)",
    ),
    gateway(
        "gateway-full-granian",
        CONFIGS / "full.toml",
        default=False,
        needs=("redis",),
        env={**BENCH_JWT["env"], "BENCH_ENGINE": "granian"},
        headers=BENCH_JWT["headers"],
        description='the gateway-full system on [server] engine = "granian" (issue 15)',
    ),
    gateway(
        "gateway-many-streams",
        CONFIGS / "many_streams.toml",
        default=False,
        description="core, limits sized for 8,000 streams (issue 15; scenarios streams_many)",
    ),
    gateway(
        "gateway-tracing",
        CONFIGS / "tracing.toml",
        default=False,
        description="tracing first, 100% sampling, batch processor + discarding exporter (issue 6)",
    ),
]


def by_name(name: str) -> System:
    for system in SYSTEMS:
        if system.name == name:
            return system
    known = ", ".join(s.name for s in SYSTEMS)
    raise KeyError(f"unknown system {name!r}; known: {known}")


def from_config(path: Path) -> System:
    """A one-off gateway system for `--config`: named after the file stem."""
    path = path.resolve()
    return gateway(f"gateway-{path.stem}", path, description=f"sluicegate serve -c {path}")
