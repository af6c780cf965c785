"""Reading and writing tables of appeals: CSV (any delimiter, UTF-8 or cp1251), XLSX, JSONL, Parquet."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from classifier.errors import InputError

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its text encoding and delimiter."""

    encoding: str
    delimiter: str


def table_format(path: Path) -> str:
    """Return 'csv', 'xlsx', 'jsonl' or 'parquet' from the file name, or raise `InputError`."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unknown file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}"
        )
    return fmt


def sniff_csv(path: Path) -> CsvDialect:
    """Detect the encoding (UTF-8, UTF-8 with BOM, else the best guess, e.g. cp1251) and delimiter."""
    with path.open("rb") as f:
        sample = f.read(SNIFF_BYTES)
    encoding = "utf-8-sig"
    try:
        # An incremental decoder tolerates a character cut at the end of the sample.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(sample, cp_isolation=["cp1251", "koi8_r", "utf_16", "cp866"]).best()
        encoding = best.encoding if best is not None else "cp1251"
        text = sample.decode(encoding, errors="replace")
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    return CsvDialect(encoding=encoding, delimiter=delimiter)


def iter_table(path: Path | str, *, chunksize: int = 10_000) -> Iterator[pd.DataFrame]:
    """Yield the table in chunks of at most `chunksize` rows, every cell as a string."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    fmt = table_format(path)
    try:
        if fmt == "csv":
            dialect = sniff_csv(path)
            yield from pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding=dialect.encoding,
                sep=dialect.delimiter,
                chunksize=chunksize,
            )
        elif fmt == "jsonl":
            for chunk in pd.read_json(path, lines=True, dtype=False, chunksize=chunksize):
                yield _as_strings(chunk)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize):
                yield _as_strings(batch.to_pandas())
        else:
            yield from _iter_xlsx(path, chunksize)
    except InputError:
        raise
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError, OSError) as exc:
        raise InputError(f"{path}: cannot read as {fmt.upper()}: {exc}") from None


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a whole table, every cell as a string (empty cells as '')."""
    chunks = list(iter_table(path))
    if not chunks:
        return pd.DataFrame()
    return pd.concat(chunks, ignore_index=True)


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "").astype(str)


def _iter_xlsx(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        raise InputError(f"{path}: cannot read as XLSX: {exc}") from None
    rows = book.active.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    columns = [str(c) if c is not None else f"column_{i + 1}" for i, c in enumerate(header)]
    chunk: list[list[str]] = []
    for row in rows:
        chunk.append(["" if v is None else str(v) for v in row])
        if len(chunk) == chunksize:
            yield pd.DataFrame(chunk, columns=columns)
            chunk = []
    if chunk:
        yield pd.DataFrame(chunk, columns=columns)
    book.close()


class TableWriter:
    """Write a table chunk by chunk in the format its file name asks for."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.format = table_format(self.path)
        self._started = False
        self._parquet = None
        self._xlsx = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk."""
        if self.format == "csv":
            sep = "\t" if self.path.suffix.lower() == ".tsv" else ","
            frame.to_csv(
                self.path,
                mode="a" if self._started else "w",
                header=not self._started,
                index=False,
                sep=sep,
                encoding="utf-8",
            )
        elif self.format == "jsonl":
            with self.path.open("a" if self._started else "w", encoding="utf-8") as f:
                text = frame.to_json(orient="records", lines=True, force_ascii=False)
                f.write(text if text.endswith("\n") or not text else text + "\n")
        elif self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        else:
            if self._xlsx is None:
                from openpyxl import Workbook

                self._xlsx = Workbook(write_only=True)
                self._sheet = self._xlsx.create_sheet()
                self._sheet.append(list(frame.columns))
            for row in frame.itertuples(index=False):
                self._sheet.append(list(row))
        self._started = True

    def close(self) -> None:
        """Finish the file."""
        if self._parquet is not None:
            self._parquet.close()
        if self._xlsx is not None:
            self._xlsx.save(self.path)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
