"""The micro-batcher: bounded model calls, large requests in slices, small ones not blocked."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

import pytest

from classifier.service.batcher import TEXT_COST, Batcher, _Request, plan_call


class GatedModel:
    """A fake model that records each call and holds the first one until released."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()

    def predict(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.first_started.set()
            assert self.release.wait(10)
        return [f"label of {text}" for text in texts]


def _request(texts: list[str]) -> _Request:
    return _Request(texts, Future())  # plan_call never touches the future


@pytest.mark.parametrize(
    ("sizes", "max_texts", "max_cost", "expected"),
    [
        # One small request: all of it.
        ([[10, 10]], 512, 1_000, [(0, 0, 2)]),
        # A large request alone: as many texts as the cost allows.
        ([[100] * 50], 512, 3 * (100 + TEXT_COST), [(0, 0, 3)]),
        # The text budget binds.
        ([[1] * 50], 4, 10**6, [(0, 0, 4)]),
        # Large first, small second: the oldest advances, the small one is taken whole.
        ([[100] * 50, [5]], 512, 3 * (100 + TEXT_COST), [(0, 0, 2), (1, 0, 1)]),
        # One text over the whole budget still goes (alone).
        ([[5_000], [5]], 512, 1_000, [(0, 0, 1)]),
    ],
    ids=["small", "large sliced", "text budget", "small ahead of large", "oversized text"],
)
def test_plan_call(sizes, max_texts, max_cost, expected) -> None:
    queue = [_request(["x" * n for n in request]) for request in sizes]
    slices = plan_call(queue, max_texts, max_cost)
    got = sorted((queue.index(s.request), s.start, s.stop) for s in slices)
    assert got == sorted(expected)


def test_small_request_completes_before_large_one() -> None:
    async def scenario() -> tuple[list[str], GatedModel, list, list]:
        model = GatedModel()
        batcher = Batcher(model, max_texts=512, max_cost=10 * (100 + TEXT_COST))
        batcher.start()
        done: list[str] = []
        large_texts = [f"large {i} " + "x" * 92 for i in range(100)]

        async def call(name: str, texts: list[str]) -> list:
            result = await batcher.predict(texts)
            done.append(name)
            return result

        large = asyncio.create_task(call("large", large_texts))
        await asyncio.get_running_loop().run_in_executor(None, model.first_started.wait, 10)
        small = asyncio.create_task(call("small", ["small one"]))
        await asyncio.sleep(0)  # the small request is queued while the first slice runs
        model.release.set()
        large_result, small_result = await asyncio.gather(large, small)
        await batcher.stop()
        return done, model, large_result, small_result

    done, model, large_result, small_result = asyncio.run(scenario())
    assert done == ["small", "large"]
    # The large request went in slices of at most 10 texts; the small one in the second call.
    assert all(len(call) <= 10 for call in model.calls)
    assert "small one" in model.calls[1]
    assert len(model.calls) >= 10
    assert small_result == ["label of small one"]
    assert large_result == [f"label of large {i} " + "x" * 92 for i in range(100)]


def test_results_in_order_across_slices() -> None:
    class Echo:
        def predict(self, texts: list[str]) -> list[str]:
            return [text.upper() for text in texts]

    async def scenario() -> list[list[str]]:
        batcher = Batcher(Echo(), max_texts=3, max_cost=10**6)
        batcher.start()
        requests = [[f"r{r}t{t}" for t in range(r + 1)] for r in range(6)]
        results = await asyncio.gather(*(batcher.predict(texts) for texts in requests))
        await batcher.stop()
        assert batcher.calls >= 7  # 21 texts, 3 per call
        return results

    results = asyncio.run(scenario())
    assert results == [[f"R{r}T{t}" for t in range(r + 1)] for r in range(6)]


def test_model_error_reaches_every_request_of_the_call() -> None:
    class Broken:
        def predict(self, texts: list[str]) -> list[str]:
            raise RuntimeError("model failed")

    async def scenario() -> list:
        batcher = Batcher(Broken())
        batcher.start()
        outcomes = await asyncio.gather(
            batcher.predict(["a"]), batcher.predict(["b", "c"]), return_exceptions=True
        )
        await batcher.stop()
        return outcomes

    assert all(isinstance(o, RuntimeError) for o in asyncio.run(scenario()))


def test_cancelled_request_is_dropped() -> None:
    async def scenario() -> GatedModel:
        model = GatedModel()
        batcher = Batcher(model, max_texts=2, max_cost=10**6)
        batcher.start()
        first = asyncio.create_task(batcher.predict(["a"]))
        await asyncio.get_running_loop().run_in_executor(None, model.first_started.wait, 10)
        gone = asyncio.create_task(batcher.predict([f"gone {i}" for i in range(20)]))
        await asyncio.sleep(0)
        gone.cancel()
        model.release.set()
        await first
        await asyncio.sleep(0.05)
        await batcher.stop()
        return model

    model = asyncio.run(scenario())
    assert sum(len(call) for call in model.calls) < 20
