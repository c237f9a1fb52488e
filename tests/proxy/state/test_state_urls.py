"""Every state URL form parses to its topology, and every mistake is a load error that names
the problem without echoing a password."""

from __future__ import annotations

import pytest

from proxy.config.errors import ConfigError
from proxy.state.urls import parse_state_url


def test_one_node_forms() -> None:
    e = parse_state_url("rediss://user:p%40ss@cache.internal:6380/3?socket_timeout=0.2").node
    assert (e.host, e.port, e.db, e.username, e.password, e.tls) == (
        "cache.internal", 6380, 3, "user", "p@ss", True,
    )  # fmt: skip
    assert (e.timeout, e.connect_timeout) == (0.2, 0.5)
    assert parse_state_url("redis://h").node.port == 6379
    assert parse_state_url("redis://:secret@h:1").node.password == "secret"
    unix = parse_state_url("unix:///run/redis.sock?db=1")
    assert (unix.kind, unix.node.path, unix.node.db, unix.node.name) == (
        "single", "/run/redis.sock", 1, "/run/redis.sock",
    )  # fmt: skip


def test_cluster_form() -> None:
    url = parse_state_url(
        "rediss+cluster://u:pw@10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002?socket_timeout=0.3"
    )
    assert url.kind == "cluster"
    assert url.seeds == (("10.0.0.1", 7000), ("10.0.0.2", 7001), ("::1", 7002))
    assert (url.node.tls, url.node.username, url.node.password, url.node.timeout) == (
        True, "u", "pw", 0.3,
    )  # fmt: skip
    node = url.endpoint("10.0.0.9", 7005)
    assert (node.name, node.password, node.tls) == ("10.0.0.9:7005", "pw", True)
    assert "pw" not in url.redacted()


def test_sentinel_form() -> None:
    url = parse_state_url("redis+sentinel://:pw@s1:26379,s2:26380/mymaster?db=2")
    assert (url.kind, url.service, url.node.db, url.node.password) == (
        "sentinel",
        "mymaster",
        2,
        "pw",
    )
    assert url.seeds == (("s1", 26379), ("s2", 26380))
    assert url.redacted() == "redis+sentinel://s1:26379,s2:26380/mymaster"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379/0", "must be one of"),
        ("redis://127.0.0.1:6379/0?pool=3", "unsupported redis URL option"),
        ("redis://127.0.0.1:6379/zero", "bad redis URL option"),
        ("redis://127.0.0.1:6379/0?socket_timeout=0", "positive"),
        ("unix://", "socket path"),
        ("redis://h1:7000,h2:7001/0", "names one node; for several use redis\\+cluster://"),
        ("redis+cluster://", "at least one host:port"),
        ("redis+cluster://h1:7000,h2", "expected host:port"),
        ("redis+cluster://h1:7000,h2:99999", "expected host:port"),
        ("redis+cluster://h1:7000/1", "takes no database"),
        ("redis+sentinel://s1:26379", "needs the service name"),
        ("redis+sentinel://s1:26379/svc?retries=3", "unsupported redis URL option"),
    ],
)
def test_bad_urls_fail_at_load(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_state_url(url)


def test_a_password_never_appears_in_the_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_state_url("redis+cluster://user:hunter2@h1:7000,nope")
    assert "hunter2" not in str(caught.value)


def test_check_reports_a_bad_state_url_with_its_key_path(tmp_path: object) -> None:
    from pathlib import Path

    from proxy.config.loader import load_config

    assert isinstance(tmp_path, Path)
    (tmp_path / "policies").mkdir()
    (tmp_path / "config.toml").write_text(
        '[state]\nbackend = "redis"\nurl = "redis+sentinel://127.0.0.1:26379"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "config.toml")
    assert "state" in str(caught.value) and "service name" in str(caught.value)
