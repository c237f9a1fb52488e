"""The running task, found without asking asyncio for the running loop every time.

``asyncio.current_task()`` first asks for the running loop, and CPython 3.11 checks that
loop against ``getpid()`` on every ask — a system call, ~0.35 µs of the call's ~0.45 µs on
the 2-core VM (and ~2 % of a granian worker's samples at 64 connections, where two of them
ran per request: the disconnect watcher's and the body deadline's). ``current_task(loop)``
skips that check, so the loop is remembered, with the thread that ran it: in one thread
at most one loop runs at a time, and a remembered loop that is not the one running now
has no current task, so the answer then comes from asyncio itself. On 3.11
``current_task(loop)`` is itself a Python function reading one dict; the dict is read here
directly (a frame fewer, two calls per request under Granian).
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any

if sys.version_info < (3, 12):
    # What ``asyncio.current_task(loop)`` reads on 3.11: the running task by loop.
    _current: Callable[[asyncio.AbstractEventLoop], asyncio.Task[Any] | None] = (
        asyncio.tasks._current_tasks.get  # type: ignore[attr-defined]
    )
else:  # in C from 3.12
    _current = asyncio.current_task


class RunningTask:
    """Call it from a coroutine for the task running it (None outside a task)."""

    __slots__ = ("_loop", "_thread")

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0

    def __call__(self) -> asyncio.Task[Any] | None:
        loop = self._loop
        if loop is not None and self._thread == threading.get_ident():
            task = _current(loop)
            if task is not None:
                return task
        self._loop = loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        return asyncio.current_task(loop)
