"""The INSTREAM client against a real clamd (unix socket and TCP) and against broken peers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from scanners.uploads.clamd import ClamdAddress, ClamdClient, ClamdUnavailable, parse_reply
from tests.data.uploads import generate as g
from tests.fixtures.clamd import STREAM_MAX_LENGTH, ClamdServer, start_clamd


@pytest.fixture(params=["unix", "tcp"])
def client(request: pytest.FixtureRequest, clamd_server: ClamdServer) -> ClamdClient:
    url = clamd_server.unix_url if request.param == "unix" else clamd_server.tcp_url
    return ClamdClient(url, chunk_size=4096)


async def test_ping_and_version(client: ClamdClient) -> None:
    await client.ping()
    assert (await client.version()).startswith("ClamAV ")


async def test_eicar_is_found(client: ClamdClient) -> None:
    result = await client.scan_bytes(g.eicar())
    assert result.infected and result.signature == g.EICAR_SIGNATURE


async def test_custom_signature_is_found_mid_stream(client: ClamdClient) -> None:
    async def stream() -> AsyncIterator[bytes]:
        yield b"harmless prefix " * 1000
        yield b"...SLUICEGATE-TEST-"
        yield b"MALWARE-MARKER... and more text"

    result = await client.scan_stream(stream())
    assert result.signature == g.MARKER_SIGNATURE


async def test_eicar_inside_a_zip_is_found(client: ClamdClient) -> None:
    result = await client.scan_bytes(g.zip_of([("readme.txt", g.eicar())]))
    assert result.signature == g.EICAR_SIGNATURE


@pytest.mark.parametrize("data", [g.pdf(), g.png(), g.docx(), b"", bytes(300_000)])
async def test_clean_files_are_ok(client: ClamdClient, data: bytes) -> None:
    result = await client.scan_bytes(data)
    assert not result.infected and result.signature is None


async def test_clamd_cutting_a_stream_past_its_max_length_is_unavailable(
    client: ClamdClient,
) -> None:
    with pytest.raises(ClamdUnavailable):
        await client.scan_bytes(bytes(STREAM_MAX_LENGTH + 200_000))
    await client.ping()  # clamd itself is fine afterwards


async def test_known_max_stream_is_enforced_by_the_client(clamd_server: ClamdServer) -> None:
    client = ClamdClient(clamd_server.unix_url, max_stream=STREAM_MAX_LENGTH)
    assert not (await client.scan_bytes(bytes(STREAM_MAX_LENGTH))).infected  # exactly at it
    session = await client.session()
    await session.send(bytes(STREAM_MAX_LENGTH - 10))
    with pytest.raises(ClamdUnavailable, match="StreamMaxLength"):
        await session.send(bytes(11))
    assert session.sent == STREAM_MAX_LENGTH - 10


async def test_parallel_scans_get_their_own_verdicts(client: ClamdClient) -> None:
    payloads = [g.eicar() if i % 2 else g.pdf(f"p{i}") for i in range(12)]
    results = await asyncio.gather(*(client.scan_bytes(p) for p in payloads))
    assert [r.infected for r in results] == [bool(i % 2) for i in range(12)]


async def test_nothing_listening_is_unavailable(tmp_path: Path) -> None:
    for url in (f"unix://{tmp_path}/nope.sock", "tcp://127.0.0.1:1"):
        client = ClamdClient(url, connect_timeout=1.0)
        with pytest.raises(ClamdUnavailable, match="cannot connect"):
            await client.ping()
        with pytest.raises(ClamdUnavailable):
            await client.scan_bytes(b"data")


async def fake_clamd(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_silent_peer_hits_the_read_timeout() -> None:
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server, port = await fake_clamd(silent)
    async with server:
        client = ClamdClient(f"tcp://127.0.0.1:{port}", read_timeout=0.2)
        with pytest.raises(ClamdUnavailable):
            await client.scan_bytes(b"x" * 10)
        release.set()


@pytest.mark.parametrize(
    "reply", [b"nonsense\0", b"stream: \0", b"", b"stream: Can't allocate memory ERROR\0"]
)
async def test_unintelligible_or_error_replies_are_unavailable(reply: bytes) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\0\0\0\0")  # wait for the terminator
        writer.write(reply)
        await writer.drain()
        writer.close()

    server, port = await fake_clamd(answer)
    async with server:
        with pytest.raises(ClamdUnavailable):
            await ClamdClient(f"tcp://127.0.0.1:{port}").scan_bytes(b"abc")


async def test_clamd_stopped_between_calls(tmp_path: Path) -> None:
    private = start_clamd(tmp_path)
    client = ClamdClient(private.unix_url)
    try:
        assert not (await client.scan_bytes(g.pdf())).infected
        session = await client.session()
        await session.send(b"first part of a stream")
        private.stop()
        with pytest.raises(ClamdUnavailable):
            await session.send(bytes(1 << 20))
            await session.finish()
        with pytest.raises(ClamdUnavailable):
            await client.ping()
    finally:
        private.stop()


@pytest.mark.parametrize(
    ("line", "signature"),
    [
        (b"stream: OK\0", None),
        (b"stream: Win.Test.EICAR_HDB-1 FOUND\0", "Win.Test.EICAR_HDB-1"),
        (b"stream: Some Sig With Spaces FOUND\n", "Some Sig With Spaces"),
    ],
)
def test_parse_reply(line: bytes, signature: str | None) -> None:
    assert parse_reply(line).signature == signature


def test_parse_reply_size_limit_error() -> None:
    with pytest.raises(ClamdUnavailable, match="size limit"):
        parse_reply(b"INSTREAM size limit exceeded. ERROR\0")


@pytest.mark.parametrize(
    "url", ["unix://", "tcp://127.0.0.1", "http://127.0.0.1:3310", "tcp://:3310", "unix://host/x"]
)
def test_bad_addresses(url: str) -> None:
    with pytest.raises(ValueError):
        ClamdAddress.parse(url)


def test_good_addresses_round_trip() -> None:
    for url in ("unix:///run/clamav/clamd.ctl", "tcp://127.0.0.1:3310"):
        assert str(ClamdAddress.parse(url)) == url
