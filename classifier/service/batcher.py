"""Pooling the texts of concurrent requests into one model call on one thread."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.model import Model
    from classifier.prediction import Prediction

# Texts classified in one model call at most, pooled from concurrent requests.
POOL_TEXTS = 512


class Batcher:
    """Runs the model on one thread; texts that arrive while it is busy go into the next call."""

    def __init__(self, model: "Model") -> None:
        self.model = model
        self.queue: list[tuple[list[str], asyncio.Future]] = []
        self.wakeup = asyncio.Event()
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="appeals-model")
        self.task: asyncio.Task | None = None

    async def predict(self, texts: list[str]) -> "list[Prediction]":
        """Return the predictions of `texts`, in order."""
        future = asyncio.get_running_loop().create_future()
        self.queue.append((texts, future))
        self.wakeup.set()
        return await future

    async def run(self) -> None:
        """Serve the queue until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.queue:
                taken, size = 0, 0
                while taken < len(self.queue) and (
                    taken == 0 or size + len(self.queue[taken][0]) <= POOL_TEXTS
                ):
                    size += len(self.queue[taken][0])
                    taken += 1
                batch, self.queue = self.queue[:taken], self.queue[taken:]
                texts = [text for request, _ in batch for text in request]
                try:
                    results = await loop.run_in_executor(self.thread, self.model.predict, texts)
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                start = 0
                for request, future in batch:
                    if not future.done():  # a client that went away cancels its future
                        future.set_result(results[start : start + len(request)])
                    start += len(request)

    def start(self) -> None:
        """Start serving the queue on the running event loop."""
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Stop serving and release the model thread."""
        if self.task is not None:
            self.task.cancel()
            with suppress(asyncio.CancelledError):
                await self.task
        self.thread.shutdown(wait=True)
