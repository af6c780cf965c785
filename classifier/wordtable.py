"""Per-word-form features in flat arrays, so that a batch looks each word up once and numpy does the rest.

A compiled scorer (classifier.compiled) reads three things per word form of a
normalized text: its lemma, the ids of its character n-grams and its navec vector.
`WordTable` gives each word form seen an id and keeps those per id in columns of
numpy arrays, computed once through the estimators' own code (and their caches);
a batch then costs one dict look-up per word, and every later step is a numpy
gather over the batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Words held at most; the table starts afresh when a batch would take it past this.
MAX_WORDS = 300_000


class _Growable:
    """An append-only numpy array (1-D, or rows of a fixed width) that doubles when full."""

    def __init__(self, dtype: type, width: int | None = None) -> None:
        self._shape = () if width is None else (width,)
        self._data = np.empty((64, *self._shape), dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values: np.ndarray) -> None:
        end = self._size + len(values)
        if end > len(self._data):
            grown = np.empty((max(end, 2 * len(self._data)), *self._shape), self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : end] = values
        self._size = end

    def view(self) -> np.ndarray:
        # A view of the current buffer: later appends never write below `_size`, and a
        # reallocation leaves this buffer alone, so the view stays valid.
        return self._data[: self._size]


class IdsColumn:
    """A variable-length int32 array per word (character n-gram ids), stored as CSR."""

    def __init__(self, ids_of: Callable[[str], np.ndarray]) -> None:
        self._ids_of = ids_of
        self._ids = _Growable(np.int32)
        self._ends = _Growable(np.int64)
        self._ends.extend(np.zeros(1, np.int64))

    def compute(self, word: str) -> np.ndarray:
        return np.asarray(self._ids_of(word), np.int32)

    def append(self, ids: np.ndarray) -> None:
        self._ids.extend(ids)
        self._ends.extend(np.array([len(self._ids)], np.int64))

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, offsets): word `i` has ids[offsets[i]:offsets[i + 1]]."""
        return self._ids.view(), self._ends.view()


class CodeColumn:
    """One int32 per word (the id of its lemma)."""

    def __init__(self, code_of: Callable[[str], int]) -> None:
        self._code_of = code_of
        self._codes = _Growable(np.int32)

    def compute(self, word: str) -> int:
        return self._code_of(word)

    def append(self, code: int) -> None:
        self._codes.extend(np.array([code], np.int32))

    def snapshot(self) -> np.ndarray:
        return self._codes.view()


class VectorColumn:
    """An optional float32 vector per word: a row index (-1 for none) into a matrix."""

    def __init__(self, vector_of: Callable[[str], np.ndarray | None], dimension: int) -> None:
        self._vector_of = vector_of
        self._rows = _Growable(np.int32)
        self._vectors = _Growable(np.float32, dimension)

    def compute(self, word: str) -> np.ndarray | None:
        return self._vector_of(word)

    def append(self, vector: np.ndarray | None) -> None:
        if vector is None:
            self._rows.extend(np.array([-1], np.int32))
            return
        self._rows.extend(np.array([len(self._vectors)], np.int32))
        self._vectors.extend(np.asarray(vector, np.float32)[np.newaxis])

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, vectors): word `i` has vectors[rows[i]], or none where rows[i] < 0."""
        return self._rows.view(), self._vectors.view()


Column = IdsColumn | CodeColumn | VectorColumn


@dataclass
class Lookup:
    """The ids of a batch's words and the columns as they were when the ids were given."""

    ids: np.ndarray  # int64, one per word of the batch
    columns: tuple  # one snapshot per column, in the table's order


class WordTable:
    """Word forms -> ids, and per id one entry in each column, added on first sight.

    `make_columns` builds fresh, empty columns: the table calls it again when it
    starts afresh (`MAX_WORDS`). Safe to share between threads: ids are given and
    columns read under one lock, so a batch never mixes two generations of the table.
    """

    def __init__(self, make_columns: Callable[[], Sequence[Column]]) -> None:
        self._make_columns = make_columns
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._index: dict[str, int] = {}
        self._columns = tuple(self._make_columns())

    def __len__(self) -> int:
        return len(self._index)

    def lookup(self, words: list[str]) -> Lookup:
        """Return the ids of `words` (adding the new ones) and the columns' current arrays."""
        with self._lock:
            if len(self._index) + len(words) > MAX_WORDS:
                self._reset()
            index = self._index
            ids = list(map(index.get, words))
            if None in ids:
                for i, found in enumerate(ids):
                    if found is None:
                        ids[i] = self._add(words[i])
            return Lookup(
                ids=np.fromiter(ids, np.int64, len(ids)),
                columns=tuple(column.snapshot() for column in self._columns),
            )

    def _add(self, word: str) -> int:
        index = self._index
        found = index.get(word)  # a word can occur twice among one batch's new words
        if found is not None:
            return found
        # Every value first, then every append: a failing estimator leaves no column longer.
        values = [column.compute(word) for column in self._columns]
        for column, value in zip(self._columns, values):
            column.append(value)
        index[word] = len(index)
        return index[word]
