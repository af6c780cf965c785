"""Pooling the texts of concurrent requests into bounded model calls on one thread.

Each model call takes at most `POOL_TEXTS` texts and about `POOL_COST` characters
(a text costs its length plus `TEXT_COST`), so one call's model time stays bounded
whatever the requests: a large request is classified in slices, one slice per call,
and the texts of small requests that arrive meanwhile go into the next call, ahead
of the next slice. Within a call the requests with the least work left come first;
the oldest waiting request always gets at least one text, so none is starved.
"""

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.model import Model
    from classifier.prediction import Prediction

# Texts classified in one model call at most, pooled from concurrent requests.
POOL_TEXTS = 512
# Characters (plus TEXT_COST per text) in one model call: ~20 ms of model time.
POOL_COST = 16_000
TEXT_COST = 64


@dataclass(eq=False)
class _Request:
    """One request's texts, how far the model got through them, and its results so far."""

    texts: list[str]
    future: asyncio.Future
    cost: list[int] = field(init=False)  # cost[i]: the cost of texts[:i]
    done: int = 0
    results: list = field(default_factory=list)

    def __post_init__(self) -> None:
        lengths = (len(text) + TEXT_COST for text in self.texts)
        self.cost = list(itertools.accumulate(lengths, initial=0))

    def cost_left(self) -> int:
        """The cost of the texts not yet classified."""
        return self.cost[-1] - self.cost[self.done]


@dataclass(frozen=True)
class Slice:
    """Texts `start:stop` of one request, classified in one model call."""

    request: _Request
    start: int
    stop: int


def plan_call(queue: list[_Request], max_texts: int, max_cost: int) -> list[Slice]:
    """Return the slices of the next model call: the oldest request first, then least work left."""
    stops: dict[_Request, int] = {}
    texts_left, cost_left = max_texts, max_cost
    oldest = queue[0]
    # The oldest request always advances by one text, even one over the budget.
    stops[oldest] = oldest.done + 1
    texts_left -= 1
    cost_left -= oldest.cost[oldest.done + 1] - oldest.cost[oldest.done]
    for request in sorted(queue, key=_Request.cost_left):
        start = stops.get(request, request.done)
        stop = start
        while (
            stop < len(request.texts)
            and texts_left > 0
            and request.cost[stop + 1] - request.cost[stop] <= cost_left
        ):
            cost_left -= request.cost[stop + 1] - request.cost[stop]
            texts_left -= 1
            stop += 1
        if stop > request.done:
            stops[request] = stop
        if texts_left <= 0 or cost_left <= 0:
            break
    return [Slice(request, request.done, stop) for request, stop in stops.items()]


class Batcher:
    """Runs the model on one thread; texts that arrive while it is busy go into the next call."""

    def __init__(
        self, model: "Model", *, max_texts: int = POOL_TEXTS, max_cost: int = POOL_COST
    ) -> None:
        self.model = model
        self.max_texts = max_texts
        self.max_cost = max_cost
        self.queue: list[_Request] = []
        self.calls = 0  # model calls made so far
        self.wakeup = asyncio.Event()
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="appeals-model")
        self.task: asyncio.Task | None = None

    async def predict(self, texts: list[str]) -> "list[Prediction]":
        """Return the predictions of `texts`, in order."""
        if not texts:
            return []
        future = asyncio.get_running_loop().create_future()
        self.queue.append(_Request(texts, future))
        self.wakeup.set()
        return await future

    async def run(self) -> None:
        """Serve the queue until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while True:
                # A client that went away cancels its future: its remaining texts are dropped.
                self.queue = [request for request in self.queue if not request.future.done()]
                if not self.queue:
                    break
                slices = plan_call(self.queue, self.max_texts, self.max_cost)
                texts = [text for s in slices for text in s.request.texts[s.start : s.stop]]
                self.calls += 1
                try:
                    results = await loop.run_in_executor(self.thread, self.model.predict, texts)
                except Exception as exc:
                    for s in slices:
                        if not s.request.future.done():
                            s.request.future.set_exception(exc)
                    continue
                offset = 0
                for s in slices:
                    request, size = s.request, s.stop - s.start
                    request.results.extend(results[offset : offset + size])
                    request.done = s.stop
                    offset += size
                    if request.done == len(request.texts) and not request.future.done():
                        request.future.set_result(request.results)

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
