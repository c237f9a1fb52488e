"""Shared pytest configuration: every fixture module is registered here."""

pytest_plugins = [
    "tests.fixtures.redis",
    "tests.fixtures.redis_topology",
    "tests.fixtures.upstreams",
    "tests.fixtures.anthropic",
    "tests.fixtures.gateway",
    "tests.fixtures.clamd",
    "tests.fixtures.jwks",
    "tests.fixtures.postgres",
    "tests.fixtures.logs",
]
