"""The batch classification of `classifier.batch` on a Dask cluster, over partitioned input.

Input is CSV or Parquet: one file, a folder of them, or a glob. A CSV file is one
partition (a quoted appeal may span lines, so a CSV cannot be cut at any newline);
a Parquet file is one partition per file. The model is sent to every worker once.
Output keeps the partitions in order: a Parquet folder of part files, or one CSV file.
Paths are opened by the workers, so on a real cluster they must name storage that all
workers and the client see under the same path (a shared file system).
"""

from __future__ import annotations

import glob
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.batch import classify_frame, resolve_model, result_columns
from classifier.errors import AppealsError, InputError

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client

    from classifier.model import Model

INPUT_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class DaskResult:
    """What `classify_dask` did: rows written, rows with empty text, partitions, time taken."""

    output: Path
    rows: int
    empty: int
    partitions: int
    seconds: float
    address: str


def input_files(source: Path | str) -> tuple[list[Path], str]:
    """Return the sorted input files (one file, a folder's files, or a glob) and their format."""
    text = str(source)
    path = Path(text)
    if any(ch in text for ch in "*?["):
        files = [Path(p) for p in sorted(glob.glob(text))]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in INPUT_SUFFIXES)
    elif path.exists():
        files = [path]
    else:
        raise InputError(f"{path}: file not found")
    if not files:
        raise InputError(f"{text}: no CSV or Parquet files there")
    formats = {INPUT_SUFFIXES.get(p.suffix.lower()) for p in files}
    if None in formats:
        odd = next(p for p in files if p.suffix.lower() not in INPUT_SUFFIXES)
        raise InputError(f"{odd}: Dask input must be .csv or .parquet, not {odd.suffix!r}")
    if len(formats) > 1:
        raise InputError(f"{text}: mixes CSV and Parquet files; give one format")
    return files, formats.pop()


def classify_dask(
    input: Path | str,
    output: Path | str,
    *,
    address: str | None = None,
    client: Client | None = None,
    model: Model | Path | str | None = None,
    text_col: str = "text",
    prefix: str = "",
) -> DaskResult:
    """Classify partitioned CSV or Parquet input on a Dask cluster into `output` (.parquet or .csv)."""
    import pandas as pd

    output = Path(output)
    out_format = INPUT_SUFFIXES.get(output.suffix.lower())
    if out_format is None:
        raise InputError(f"{output}: Dask output must end in .parquet (a folder) or .csv")
    files, in_format = input_files(input)
    model = resolve_model(model)
    start = time.perf_counter()
    frames = _read(files, in_format, text_col, prefix)
    with _Connection(address, client) as dask_client:
        # Scattered once to every worker, so tasks carry a reference, not the model.
        shipped = dask_client.scatter(model, broadcast=True, hash=False)
        classified = frames.map_partitions(
            _classify_partition,
            shipped,
            text_col=text_col,
            prefix=prefix,
            meta=_output_meta(frames._meta, prefix),
        )
        counts = classified.map_partitions(
            _count_partition, prefix=prefix, meta={"rows": "int64", "empty": "int64"}
        )
        # One compute for the writes and the counts: each partition is classified once.
        if out_format == "parquet":
            write = classified.to_parquet(output, write_index=False, overwrite=True, compute=False)
            *_, totals = dask_client.compute([write, counts], sync=True)
        else:
            # to_csv gives Delayed objects; the counts go along as Delayed too, since a
            # compute that mixes them with expressions builds the graph twice.
            writes = classified.to_csv(
                output, single_file=True, index=False, encoding="utf-8", compute=False
            )
            parts = counts.to_delayed()
            done = dask_client.compute([*writes, *parts], sync=True)
            totals = pd.concat(done[len(writes) :])
        address = dask_client.scheduler.address
    return DaskResult(
        output=output,
        rows=int(totals["rows"].sum()),
        empty=int(totals["empty"].sum()),
        partitions=frames.npartitions,
        seconds=time.perf_counter() - start,
        address=address,
    )


def _read(files: list[Path], fmt: str, text_col: str, prefix: str):
    """Return a lazy Dask frame of the input with the columns checked on the first file."""
    import pandas as pd

    from classifier.data import require_columns

    dd = _import_dask_dataframe()
    names = [str(p) for p in files]
    if fmt == "csv":
        from classifier.tables import sniff_csv

        dialect = sniff_csv(files[0])
        options = {"encoding": dialect.encoding, "sep": dialect.delimiter}
        header = pd.read_csv(files[0], nrows=0, **options)
        frames = dd.read_csv(names, dtype=str, keep_default_na=False, blocksize=None, **options)
    else:
        import pyarrow.parquet as pq

        header = pd.DataFrame(columns=pq.read_schema(files[0]).names)
        frames = dd.read_parquet(names)
    require_columns(header, files[0], [text_col])
    clash = [c for c in result_columns(prefix) if c in header.columns]
    if clash:
        raise InputError(
            f"{files[0]}: column(s) {', '.join(map(repr, clash))} already present; "
            "pass a prefix for the added columns (--prefix pred_)"
        )
    return frames


def _classify_partition(
    frame: pd.DataFrame, model: Model, *, text_col: str, prefix: str
) -> pd.DataFrame:
    return classify_frame(model, frame, text_col=text_col, prefix=prefix)


def _count_partition(frame: pd.DataFrame, *, prefix: str) -> pd.DataFrame:
    import pandas as pd

    empty = int((frame[f"{prefix}label"] == "").sum())
    return pd.DataFrame({"rows": [len(frame)], "empty": [empty]})


def _output_meta(meta: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The empty frame that tells Dask the output's columns and types."""
    import pandas as pd

    label_col, ru_col, *numbers = result_columns(prefix)
    out = meta.copy()
    out[label_col] = pd.Series(dtype=str)
    out[ru_col] = pd.Series(dtype=str)
    for col in numbers:
        out[col] = pd.Series(dtype=float)
    return out


class _Connection:
    """The given client, or one to `address` ('local': a cluster on this machine), closed after."""

    def __init__(self, address: str | None, client: Client | None) -> None:
        self.address = address
        self.client = client
        self.owned: list = []

    def __enter__(self) -> Client:
        if self.client is not None:
            return self.client
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise AppealsError(
                "Dask runs need dask and distributed: pip install 'appeals-classifier[dask]'"
            ) from None
        if self.address is None:
            raise AppealsError("no Dask cluster: give its scheduler address, or 'local'")
        if self.address == "local":
            cluster = LocalCluster(dashboard_address=None)
            self.owned.append(cluster)
            target = cluster
        else:
            target = self.address
        try:
            client = Client(target, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed address
            self.__exit__()
            raise AppealsError(
                f"cannot reach the Dask scheduler at {self.address}: {exc}"
            ) from None
        self.owned.insert(0, client)
        return client

    def __exit__(self, *exc: object) -> None:
        for item in self.owned:
            item.close()
        self.owned.clear()


def _import_dask_dataframe():
    try:
        import dask.dataframe as dd
    except ImportError:
        raise AppealsError(
            "Dask runs need dask and distributed: pip install 'appeals-classifier[dask]'"
        ) from None
    return dd
