"""Classify a whole table chunk by chunk: every input row and column kept, in order.

A row whose text is empty or only white space gets an explicit empty result: an
empty ``label`` and ``label_ru`` and no number in ``confidence`` or the ``p_*``
columns (an empty cell in CSV and XLSX, null in JSONL and Parquet), so that such rows
are never counted as a category.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from classifier.errors import InputError
from classifier.labels import LABELS, LABELS_RU
from classifier.safe_pickle import restricted_pickle_load

if TYPE_CHECKING:
    import pandas as pd

    from classifier.model import Model

# Small enough to share out evenly between workers, large enough to cost little overhead.
DEFAULT_CHUNKSIZE = 2_000
# Chunks held per worker process: enough that a worker still starting up or busy
# with a slow chunk does not stop the others; the cap keeps memory flat.
CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class BatchResult:
    """What `classify_file` did: rows written, rows with empty text, time taken."""

    input: Path
    output: Path
    rows: int
    empty: int
    chunks: int
    workers: int
    seconds: float
    # Rows flagged for review, when the run added the column (`review=True`).
    needs_review: int | None = None
    review_threshold: float | None = None
    # Rows flagged urgent, when checked; whether the text column was masked.
    urgent: int | None = None
    masked: bool = False

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def result_columns(prefix: str = "", *, review: bool = False) -> list[str]:
    """Return the added column names: label, label_ru, confidence, p_<label> in LABELS order.

    With `review`, a last column ``needs_review`` follows.
    """
    return [
        f"{prefix}label",
        f"{prefix}label_ru",
        f"{prefix}confidence",
        *(f"{prefix}p_{name}" for name in LABELS),
        *([f"{prefix}needs_review"] if review else []),
    ]


def resolve_model(model: Model | Path | str | None) -> Model:
    """Return `model` itself, or the model file it names (default: the shipped model)."""
    from classifier.api import load
    from classifier.model import Model

    return model if isinstance(model, Model) else load(model)


def distinct_texts(texts: Iterable[str]) -> tuple[np.ndarray, list[str]]:
    """Return (codes, the distinct non-empty texts); code i points to text i, -1 marks an empty text."""
    import pandas as pd

    texts = pd.Series(list(texts), dtype=object)
    filled = texts.str.strip().str.len() > 0
    codes = np.full(len(texts), -1, dtype=np.int64)
    codes_filled, uniques = pd.factorize(texts[filled])
    codes[filled.to_numpy()] = codes_filled
    return codes, list(uniques)


def unique_proba(model: Model, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, probabilities of the distinct non-empty texts), as `distinct_texts`.

    Appeals repeat (reposts, templates), so each distinct text is classified once.
    """
    codes, uniques = distinct_texts(texts)
    return codes, model.predict_proba(uniques)


def attach_results(
    frame: pd.DataFrame,
    codes: np.ndarray,
    proba: np.ndarray,
    *,
    prefix: str = "",
    review: bool = False,
    review_threshold: float | None = None,
) -> pd.DataFrame:
    """Return `frame` with the result columns added; rows with code -1 get the empty result.

    With `review`, a ``needs_review`` column: confidence below `review_threshold` (all
    False when it is None); a row with empty text has an empty cell there.
    """
    import pandas as pd

    empty = codes < 0
    full = np.full((len(codes), len(LABELS)), np.nan)
    if len(proba):
        full[~empty] = proba[codes[~empty]]
    best = np.argmax(np.nan_to_num(full, nan=-1.0), axis=1)
    labels = np.asarray(LABELS, dtype=object)[best]
    labels[empty] = ""
    names_ru = np.asarray([LABELS_RU[name] for name in LABELS], dtype=object)[best]
    names_ru[empty] = ""
    confidence = full[np.arange(len(codes)), best]
    label_col, ru_col, conf_col, *p_cols = result_columns(prefix)
    columns = {
        label_col: pd.array(labels, dtype=str),
        ru_col: pd.array(names_ru, dtype=str),
        conf_col: confidence,
        **{col: full[:, i] for i, col in enumerate(p_cols)},
    }
    if review:
        from classifier.review import needs_review

        flags = pd.array(needs_review(np.nan_to_num(confidence), review_threshold), dtype="boolean")
        flags[empty] = pd.NA
        columns[f"{prefix}needs_review"] = flags
    added = pd.DataFrame(columns, index=frame.index)
    return pd.concat([frame, added], axis=1)


def classify_frame(
    model: Model,
    frame: pd.DataFrame,
    *,
    text_col: str = "text",
    prefix: str = "",
    review: bool = False,
) -> pd.DataFrame:
    """Return `frame` with label, label_ru, confidence and p_<label> columns, rows in order.

    The text column is read as text (a null is an empty text); every column is kept as it
    is. With `review`, a ``needs_review`` column by the model's review threshold.
    """
    from classifier.cells import as_text
    from classifier.review import review_threshold

    codes, proba = unique_proba(model, as_text(frame[text_col]))
    return attach_results(
        frame,
        codes,
        proba,
        prefix=prefix,
        review=review,
        review_threshold=review_threshold(model.metadata),
    )


def known_row_count(path: Path | str) -> int | None:
    """Return the number of rows when the file says so without reading it (Parquet), else None."""
    path = Path(path)
    if path.suffix.lower() != ".parquet" or not path.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError):
        return None


def classify_file(
    input: Path | str,
    output: Path | str,
    *,
    model: Model | Path | str | None = None,
    text_col: str = "text",
    prefix: str = "",
    workers: int = 1,
    chunksize: int = DEFAULT_CHUNKSIZE,
    sheet: str | None = None,
    excel_safe: bool = True,
    on_progress: Callable[[int], None] | None = None,
    on_note: Callable[[str], None] | None = None,
    review: bool = False,
    urgency: bool = False,
    routes: object = None,
    date_col: str | None = None,
    mask_pii: bool = False,
) -> BatchResult:
    """Classify every row of a CSV, XLSX, JSONL or Parquet file into another such file.

    The output is written to a temporary file of this run next to `output` and renamed
    onto it at the end: a run that fails leaves no output that looks complete, and two
    runs writing the same output never mix their rows. `excel_safe` and `sheet` are as
    in `classifier.tables`; `on_note` receives lines about the input (sheet, encoding).
    With `review`, a ``needs_review`` column is added (`attach_results`) and counted.
    `urgency`, `routes` (with the received time in `date_col`) and `mask_pii` are as in
    `classifier.triage.triage_columns`; all off by default.
    """
    from classifier.atomic import check_writable
    from classifier.cells import as_text
    from classifier.tables import TableWriter, iter_table, table_format

    input, output = Path(input), Path(output)
    check_writable(output)
    table_format(output)
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    if chunksize < 1:
        raise InputError(f"chunksize must be at least 1, got {chunksize}")
    if output.resolve() == input.resolve():
        raise InputError(f"{output}: the output file must not be the input file")
    model = resolve_model(model)
    from classifier.review import review_threshold

    threshold = review_threshold(model.metadata)
    start = time.perf_counter()
    rows = empty = chunks = flagged = urgent = 0
    if routes is not None:
        from classifier.routing import as_routes

        routes = as_routes(routes)
    chunks_in = _checked_chunks(
        iter_table(input, chunksize=chunksize, sheet=sheet, on_note=on_note),
        input,
        text_col,
        prefix,
        review,
    )
    with TableWriter(output, excel_safe=excel_safe) as writer:
        with _Predictor(model, workers) as predict:
            for frame, (codes, proba) in ordered_map(
                predict,
                chunks_in,
                key=lambda frame: as_text(frame[text_col]).tolist(),
                window=CHUNKS_PER_WORKER * workers,
            ):
                added = attach_results(
                    frame,
                    codes,
                    proba,
                    prefix=prefix,
                    review=review,
                    review_threshold=threshold,
                )
                if urgency or routes is not None or mask_pii:
                    from classifier.triage import triage_columns

                    added = triage_columns(
                        added,
                        text_col=text_col,
                        prefix=prefix,
                        urgency=urgency,
                        routes=routes,
                        date_col=date_col,
                        mask_pii=mask_pii,
                        source=input,
                    )
                    urgent += (
                        int(added[f"{prefix}urgent"].sum()) if f"{prefix}urgent" in added else 0
                    )
                writer.write(added)
                if review:
                    flagged += int(added[f"{prefix}needs_review"].sum())
                rows += len(frame)
                empty += int((codes < 0).sum())
                chunks += 1
                if on_progress is not None:
                    on_progress(len(frame))
        if chunks == 0:
            writer.write(_header_only(prefix, review=review))
    return BatchResult(
        input=input,
        output=output,
        rows=rows,
        empty=empty,
        chunks=chunks,
        workers=workers,
        seconds=time.perf_counter() - start,
        needs_review=flagged if review else None,
        review_threshold=threshold,
        urgent=urgent if urgency or routes is not None else None,
        masked=mask_pii,
    )


def ordered_map(
    submit: Callable[[list[str]], object],
    items: Iterable[pd.DataFrame],
    *,
    key: Callable[[pd.DataFrame], list[str]],
    window: int,
) -> Iterator[tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]]:
    """Yield (item, result) in input order with at most `window` items read ahead.

    `submit` returns either a result or a future of one; the bounded window is what
    keeps memory flat on a file of any size.
    """
    pending: deque = deque()
    for item in items:
        pending.append((item, submit(key(item))))
        if len(pending) >= window:
            yield _settle(*pending.popleft())
    while pending:
        yield _settle(*pending.popleft())


def _settle(item, result):
    return item, result.result() if hasattr(result, "result") else result


class _Predictor:
    """A callable from a chunk's texts to (codes, probabilities), or to a future of them.

    With N workers, N processes classify: this one, which also reads and writes, and
    N-1 worker processes. A chunk goes to a worker when one is free, else it is
    classified here, so nothing waits while the workers start (~2 s each: a new
    interpreter, the imports, the model) and a slow worker only gets less work.
    """

    def __init__(self, model: Model, workers: int) -> None:
        self.model = model
        self.workers = workers
        self.pool: Executor | None = None
        self.running: list = []

    def __enter__(self) -> Callable[[list[str]], object]:
        if self.workers == 1:
            return self.inline
        # loky (shipped with joblib) starts fresh interpreters like spawn, which is safe
        # with the parent's threads (progress bar), but unlike the standard library's
        # spawn it does not re-run the caller's __main__, and it reports a crashed
        # worker instead of hanging.
        from joblib.externals.loky import ProcessPoolExecutor

        # The model goes to the workers as a file: given as an argument, it would be
        # written down a pipe that blocks this process until each worker has started.
        self.folder = tempfile.TemporaryDirectory(prefix="appeals-batch-")
        model_file = Path(self.folder.name) / "model.pickle"
        with model_file.open("wb") as f:
            pickle.dump(self.model, f, protocol=pickle.HIGHEST_PROTOCOL)
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers - 1, initializer=_init_worker, initargs=(model_file,)
        )
        return self.submit

    def inline(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Classify here."""
        return unique_proba(self.model, texts)

    def submit(self, texts: list[str]) -> object:
        """Hand the chunk to a free worker, or classify it here when none is free."""
        self.running = [future for future in self.running if not future.done()]
        if len(self.running) >= self.workers - 1:
            return self.inline(texts)
        future = self.pool.submit(_worker_proba, texts)
        self.running.append(future)
        return future

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if self.pool is not None:
            # On an error the queued chunks are useless: stop the workers at once.
            self.pool.shutdown(wait=True, kill_workers=exc_type is not None)
            self.folder.cleanup()


_worker_model: Model | None = None


def _init_worker(model_file: Path) -> None:
    global _worker_model
    # Read with the allow-list, as model files are: the file is only ever this
    # process's own dump, but a worker never runs code from a file.
    with model_file.open("rb") as f:
        _worker_model = restricted_pickle_load(f)


def _worker_proba(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return unique_proba(_worker_model, texts)


def _checked_chunks(
    chunks: Iterable[pd.DataFrame], path: Path, text_col: str, prefix: str, review: bool = False
) -> Iterator[pd.DataFrame]:
    """Yield chunks with the first chunk's columns; raise `InputError` naming file, row, column."""
    from classifier.data import require_columns

    columns: list[str] | None = None
    first_row = 0
    for chunk in chunks:
        if columns is None:
            require_columns(chunk, path, [text_col])
            clash = [c for c in result_columns(prefix, review=review) if c in chunk.columns]
            if clash:
                raise InputError(
                    f"{path}: column(s) {', '.join(map(repr, clash))} already present; "
                    "pass a prefix for the added columns (--prefix pred_)"
                )
            columns = list(chunk.columns)
        else:
            new = [c for c in chunk.columns if c not in columns]
            if new:
                # Only JSONL can do this: a key that the first chunk's records lack.
                filled = chunk[new[0]].notna().to_numpy()
                row = first_row + int(np.argmax(filled)) + 2
                raise InputError(
                    f"{path}: row {row}, column {new[0]!r}: a column the first rows do not "
                    f"have; give it to every row (the first rows have {', '.join(map(repr, columns))})"
                )
            if list(chunk.columns) != columns:
                chunk = chunk.reindex(columns=columns)
        first_row += len(chunk)
        yield chunk.reset_index(drop=True)


def _header_only(prefix: str, *, review: bool = False) -> pd.DataFrame:
    """The result columns with no rows, for an input without a header (an empty file)."""
    import pandas as pd

    label_col, ru_col, *numbers = result_columns(prefix)
    frame = pd.DataFrame({label_col: pd.Series(dtype=str), ru_col: pd.Series(dtype=str)})
    for col in numbers:
        frame[col] = pd.Series(dtype=float)
    if review:
        frame[f"{prefix}needs_review"] = pd.Series(dtype="boolean")
    return frame
