"""The batch classification of `classifier.batch` on a Dask cluster, over partitioned input.

Input is CSV or Parquet: one file, a folder of them, or a glob. Each file is one
partition (a quoted appeal may span lines, so a CSV cannot be cut at any newline),
read by `classifier.tables.read_table`: the same encodings, delimiters, types and
checks as a run on one machine. The model is sent to every worker once.
Output keeps the partitions in order: a Parquet folder of part files, or one CSV file.
Paths are opened by the workers, so on a real cluster they must name storage that all
workers and the client see under the same path (a shared file system).
"""

from __future__ import annotations

import codecs
import glob
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.batch import classify_frame, resolve_model, result_columns
from classifier.errors import AppealsError, InputError
from classifier.tables import iter_table

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
    # With review: rows flagged needs_review (None: not asked for).
    needs_review: int | None = None


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
    excel_safe: bool = True,
    review: bool = False,
) -> DaskResult:
    """Classify partitioned CSV or Parquet input on a Dask cluster into `output` (.parquet or .csv).

    Each file is read as `classifier.tables.read_table` reads it (the same types, the
    same checks). The output is written under a temporary name next to `output` and
    renamed onto it at the end; `excel_safe` is as for `classifier.tables.TableWriter`.
    With `review`, a ``needs_review`` column as `classifier.batch.classify_file` adds it.
    """
    import pandas as pd

    from classifier.atomic import AtomicFile, check_writable

    output = Path(output)
    out_format = INPUT_SUFFIXES.get(output.suffix.lower())
    if out_format is None:
        raise InputError(f"{output}: Dask output must end in .parquet (a folder) or .csv")
    files, _ = input_files(input)
    if out_format == "csv":
        check_writable(output)
    model = resolve_model(model)
    start = time.perf_counter()
    frames = _read(files, text_col, prefix)
    protect = excel_safe and out_format == "csv"
    with _Connection(address, client) as dask_client:
        # Scattered once to every worker, so tasks carry a reference, not the model.
        shipped = dask_client.scatter(model, broadcast=True, hash=False)
        classified = frames.map_partitions(
            _classify_partition,
            shipped,
            text_col=text_col,
            prefix=prefix,
            protect=protect,
            review=review,
            meta=_output_meta(frames._meta, prefix, review=review),
        )
        counts = classified.map_partitions(
            _count_partition,
            prefix=prefix,
            meta={"rows": "int64", "empty": "int64", "needs_review": "int64"},
        )
        # One compute for the writes and the counts: each partition is classified once.
        if out_format == "parquet":
            with _ParquetFolder(output) as folder:
                write = classified.to_parquet(
                    folder, write_index=False, overwrite=True, compute=False
                )
                *_, totals = dask_client.compute([write, counts], sync=True)
        else:
            target = AtomicFile(output)
            try:
                # to_csv gives Delayed objects; the counts go along as Delayed too, since a
                # compute that mixes them with expressions builds the graph twice.
                # The byte order mark is written here: dask appends each partition with
                # its own file object, and "utf-8-sig" would put one before each.
                target.tmp.write_bytes(codecs.BOM_UTF8 if excel_safe else b"")
                writes = classified.to_csv(
                    target.tmp,
                    single_file=True,
                    index=False,
                    encoding="utf-8",
                    lineterminator="\r\n",  # as TableWriter writes CSV
                    mode="at",
                    compute=False,
                )
                parts = counts.to_delayed()
                done = dask_client.compute([*writes, *parts], sync=True)
                totals = pd.concat(done[len(writes) :])
                target.commit()
            finally:
                target.discard()
        address = dask_client.scheduler.address
    return DaskResult(
        output=output,
        rows=int(totals["rows"].sum()),
        empty=int(totals["empty"].sum()),
        partitions=frames.npartitions,
        seconds=time.perf_counter() - start,
        address=address,
        needs_review=int(totals["needs_review"].sum()) if review else None,
    )


class _ParquetFolder:
    """A temporary folder next to `output` that replaces it when the block ends without error."""

    def __init__(self, output: Path) -> None:
        self.output = output

    def __enter__(self) -> Path:
        import tempfile

        from classifier.atomic import check_folder

        if self.output.exists() and not self.output.is_dir():
            raise InputError(f"{self.output}: output is a file, not a Parquet folder")
        check_folder(self.output.parent, path=self.output)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.", dir=self.output.parent))
        return self.folder

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        import os
        import shutil

        if exc_type is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        os.chmod(self.folder, 0o777 & ~_umask())
        old = None
        if self.output.exists():
            old = self.output.with_name(f"{self.folder.name}.old")
            os.replace(self.output, old)
        os.replace(self.folder, self.output)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read(files: list[Path], text_col: str, prefix: str):
    """Return a lazy Dask frame of the input, one partition per file, columns checked on the first."""
    import pandas as pd

    from classifier.data import require_columns

    dd = _import_dask_dataframe()
    first = next(iter_table(files[0], chunksize=1), None)
    header = first.iloc[:0] if first is not None else pd.DataFrame()
    require_columns(header, files[0], [text_col])
    clash = [c for c in result_columns(prefix) if c in header.columns]
    if clash:
        raise InputError(
            f"{files[0]}: column(s) {', '.join(map(repr, clash))} already present; "
            "pass a prefix for the added columns (--prefix pred_)"
        )
    return dd.from_map(
        _read_part, [str(p) for p in files], columns=list(header.columns), meta=header
    )


def _read_part(path: str, columns: list[str]) -> pd.DataFrame:
    """One input file as `read_table` reads it; its columns must be those of the first file."""
    from classifier.tables import read_table

    frame = read_table(path)
    if list(frame.columns) != columns:
        raise InputError(
            f"{path}: columns {', '.join(map(repr, frame.columns))} differ from the first "
            f"file's ({', '.join(map(repr, columns))})"
        )
    return frame


def _classify_partition(
    frame: pd.DataFrame, model: Model, *, text_col: str, prefix: str, protect: bool, review: bool
) -> pd.DataFrame:
    out = classify_frame(model, frame, text_col=text_col, prefix=prefix, review=review)
    return excel_safe_cells(out) if protect else out


def excel_safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with the text cells of its non-numeric columns as `TableWriter` writes CSV."""
    import pandas as pd

    from classifier.cells import flat_value, protect

    out = frame.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name].dtype):
            values = map(flat_value, out[name])
            out[name] = [protect(v) if isinstance(v, str) else v for v in values]
    return out


def _count_partition(frame: pd.DataFrame, *, prefix: str) -> pd.DataFrame:
    import pandas as pd

    empty = int((frame[f"{prefix}label"] == "").sum())
    column = f"{prefix}needs_review"
    flagged = int(frame[column].fillna(False).astype(bool).sum()) if column in frame else 0
    return pd.DataFrame({"rows": [len(frame)], "empty": [empty], "needs_review": [flagged]})


def _output_meta(meta: pd.DataFrame, prefix: str, *, review: bool = False) -> pd.DataFrame:
    """The empty frame that tells Dask the output's columns and types."""
    import pandas as pd

    label_col, ru_col, *numbers = result_columns(prefix)
    out = meta.copy()
    out[label_col] = pd.Series(dtype=str)
    out[ru_col] = pd.Series(dtype=str)
    for col in numbers:
        out[col] = pd.Series(dtype=float)
    if review:
        out[f"{prefix}needs_review"] = pd.Series(dtype="boolean")
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
            # Checked before a Client exists: a Client that fails on a malformed address
            # can leave its event-loop thread half started for the next one.
            from distributed.comm.addressing import get_address_host_port, normalize_address

            try:
                get_address_host_port(normalize_address(target))
            except ValueError as exc:
                raise AppealsError(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}"
                ) from None
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
