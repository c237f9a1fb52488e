"""SQL injection attacks from a third scanner: wapiti's time-based blind payloads.

sqlmap's payloads and wfuzz's lists were the first attack sources; wapiti (Debian `wapiti`,
pinned in `sources_more.DEBS`) is written apart from both and from our rules. Its
`blindSQLPayloads.txt` is read the way wapiti's `PayloadReader` reads it (wapitiCore/attack/
attack.py): `[TAB]`, `[LF]`, `[FF]` become the characters, `[TIME]` the delay wapiti sends with
its default 6 s timeout (7), `[TIMEOUT]` is a flag and goes, and `[VALUE]` is the parameter's
original value, `1` here as in sqlmap's boundaries. Items split by hash like every other
source; `python -m evals.heldout --skip wapiti` gives the rates without them.
"""

from __future__ import annotations

from collections.abc import Iterator

from evals.sources import Item
from evals.sources_more import deb

_WAPITI_TIME = "7"
"""ceil(timeout) + 1 with wapiti's default `--timeout 6.0`."""


def _wapiti_line(line: str) -> str:
    clean = line.strip(" \n")
    for tag, value in (("[TAB]", "\t"), ("[LF]", "\n"), ("[FF]", "\f"), ("[TIME]", _WAPITI_TIME),
                       ("[TIMEOUT]", ""), ("[VALUE]", "1"), ("\\0", "\0")):  # fmt: skip
        clean = clean.replace(tag, value)
    return clean


def wapiti_blind_sql() -> Iterator[Item]:
    """wapiti's time-based blind SQL payloads, as wapiti sends them."""
    path = (
        deb("wapiti") / "usr/lib/python3/dist-packages/wapitiCore/data/attacks/blindSQLPayloads.txt"
    )
    for line in path.read_text("utf-8", errors="ignore").splitlines():
        text = _wapiti_line(line)
        if text.strip():
            yield Item("sql_injection", "attack", text, "wapiti:blindSQLPayloads.txt")


SQL_SOURCES = (wapiti_blind_sql,)
