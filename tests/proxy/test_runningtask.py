"""RunningTask answers what asyncio.current_task() answers, across loops and threads."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from proxy.runningtask import RunningTask


def test_each_task_gets_itself_on_a_new_loop_and_in_another_thread() -> None:
    running = RunningTask()

    async def ask() -> tuple[Any, Any]:
        return running(), asyncio.current_task()

    async def two_tasks() -> list[tuple[Any, Any]]:
        return list(await asyncio.gather(ask(), ask()))

    answers = asyncio.run(two_tasks())  # one loop remembered...
    answers += asyncio.run(two_tasks())  # ...then another one in the same thread
    in_thread: list[tuple[Any, Any]] = []
    thread = threading.Thread(target=lambda: in_thread.extend(asyncio.run(two_tasks())))
    thread.start()
    thread.join(timeout=10)
    answers += in_thread
    assert len(answers) == 6
    for ours, theirs in answers:
        assert ours is theirs and ours is not None
    assert len({id(ours) for ours, _ in answers[:2]}) == 2  # two tasks, two answers


async def test_a_loop_running_in_another_thread_is_not_mistaken_for_ours() -> None:
    running = RunningTask()
    mine = running()
    assert mine is asyncio.current_task()
    seen: list[Any] = []
    started, release = threading.Event(), threading.Event()

    async def other() -> None:
        seen.append((running(), asyncio.current_task()))
        started.set()
        for _ in range(10_000):  # still running while this thread asks again
            if release.is_set():
                return
            await asyncio.sleep(0.001)

    thread = threading.Thread(target=lambda: asyncio.run(other()))
    thread.start()
    assert await asyncio.to_thread(started.wait, 10)
    assert running() is mine  # the other thread's loop, remembered last, is not ours
    release.set()
    thread.join(timeout=10)
    assert seen[0][0] is seen[0][1]
