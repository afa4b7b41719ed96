"""Work the server repeats in the background while it runs (retention, archiving)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator, Callable

logger = logging.getLogger("footfall.periodic")


@contextlib.asynccontextmanager
async def running(name: str, work: Callable[[], bool | None], interval: float, again: float = 1.0) -> AsyncIterator[None]:
    """Run ``work`` in a thread at start and then every ``interval`` seconds, until the block ends.

    ``work`` returning True means it stopped with more to do: the next round
    starts after ``again`` seconds.  A failing round is logged and retried
    next time; a round in progress finishes before the block ends.
    """
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            pending = False
            try:
                pending = bool(await asyncio.to_thread(work))
            except Exception as exc:  # storage down: try again next round
                logger.warning("%s round failed: %s: %s", name, type(exc).__name__, exc)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=again if pending else interval)

    task = asyncio.create_task(loop(), name=f"footfall-{name}")
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
