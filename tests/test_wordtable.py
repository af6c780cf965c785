"""The word table of the compiled scorer: ids, columns, starting afresh, threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from classifier import wordtable
from classifier.wordtable import CodeColumn, IdsColumn, VectorColumn, WordTable


def _columns() -> list:
    return [
        IdsColumn(lambda word: np.arange(len(word), dtype=np.int32)),
        CodeColumn(len),
        VectorColumn(lambda word: None if word.startswith("x") else np.full(3, len(word)), 3),
    ]


def _check(table: WordTable, words: list[str]) -> None:
    lookup = table.lookup(words)
    (ids, offsets), codes, (rows, vectors) = lookup.columns
    for word, i in zip(words, lookup.ids):
        assert ids[offsets[i] : offsets[i + 1]].tolist() == list(range(len(word)))
        assert codes[i] == len(word)
        if word.startswith("x"):
            assert rows[i] == -1
        else:
            assert vectors[rows[i]].tolist() == [len(word)] * 3


def test_ids_and_columns_past_the_first_allocation() -> None:
    table = WordTable(_columns)
    words = [f"{'x' if i % 3 == 0 else 'w'}{'a' * (i % 7)}{i}" for i in range(500)]
    _check(table, words)
    first = table.lookup(words).ids
    _check(table, [*words[::-1], "new", "new"])
    assert table.lookup(words).ids.tolist() == first.tolist()
    assert len(table) == 501


def test_starts_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordtable, "MAX_WORDS", 10)
    table = WordTable(_columns)
    for start in range(0, 40, 6):
        _check(table, [f"w{i}" for i in range(start, start + 6)])
        assert len(table) <= 12


def test_a_failing_word_adds_nothing() -> None:
    def columns() -> list:
        return [CodeColumn(len), IdsColumn(lambda word: 1 // 0 if word == "bad" else [1])]

    table = WordTable(columns)
    with pytest.raises(ZeroDivisionError):
        table.lookup(["ok", "bad"])
    lookup = table.lookup(["other"])
    codes, (_, offsets) = lookup.columns
    assert len(codes) == len(offsets) - 1 == len(table)


def test_threads_see_consistent_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordtable, "MAX_WORDS", 300)  # restarts while threads read
    table = WordTable(_columns)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(30):
                _check(table, [f"w{i}" for i in rng.integers(0, 1000, 50)])
        except BaseException as error:  # reported below, on the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
