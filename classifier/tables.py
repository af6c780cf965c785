"""Reading and writing tables of appeals: CSV (any delimiter, UTF-8 or a Russian 8-bit code), XLSX, JSONL, Parquet.

Reading keeps every row, in order, and every column with its type: CSV cells are
strings (CSV has no types, and ids such as 00123 keep their zeros); JSONL, XLSX and
Parquet values keep their types, and a null stays null. Only a caller that needs the
text (or label) column as strings coerces that column (`classifier.cells.as_text`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.atomic import AtomicFile
from classifier.cells import column, flat_value, json_value, plain, protect, unprotect
from classifier.encoding import detect_encoding
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
DELIMITERS = (",", ";", "\t")
# The delimiter of a one-column CSV: a control character that texts do not contain,
# so that a text's commas and semicolons stay in the text.
ONE_COLUMN = "\x1f"
Notes = Callable[[str], None] | None

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # appeals may be long: no 128 KB cap


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
    """Decide the encoding (on the whole file) and the delimiter (from the header line).

    The delimiter is the one of `DELIMITERS` that splits the header into the most
    fields; a header with one field is one column (`ONE_COLUMN`), whatever the texts
    below contain. On a tie a .tsv file prefers the tab, others the order of DELIMITERS.
    """
    encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as f:
            header = f.readline().rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: row 1: cannot decode as {encoding}: {exc.reason}") from None
    order = ("\t", *DELIMITERS) if path.suffix.lower() == ".tsv" else DELIMITERS
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in order}
    best = max(order, key=lambda d: counts[d])
    return CsvDialect(encoding=encoding, delimiter=best if counts[best] > 1 else ONE_COLUMN)


def check_columns(columns: list[Any], path: Path) -> list[str]:
    """Return the header as names (an empty one is column_<n>); raise `InputError` on a repeated name."""
    names = [
        str(c) if c is not None and str(c) != "" else f"column_{i + 1}"
        for i, c in enumerate(columns)
    ]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise InputError(
                f"{path}: row 1, column {i + 1}: the column name {name!r} appears twice; "
                "give every column its own name"
            )
        seen.add(name)
    return names


def iter_table(
    path: Path | str, *, chunksize: int = 10_000, sheet: str | None = None, on_note: Notes = None
) -> Iterator[pd.DataFrame]:
    """Yield the table in chunks of at most `chunksize` rows, every row, with its column types.

    `sheet` names the XLSX sheet to read (default: the first that is not empty);
    `on_note` receives a line about choices made (sheet, encoding), if given.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a table file")
    fmt = table_format(path)
    if sheet is not None and fmt != "xlsx":
        raise InputError(f"{path}: sheet={sheet!r} is given, but only an XLSX file has sheets")
    try:
        if fmt == "csv":
            yield from _iter_csv(path, chunksize, on_note)
        elif fmt == "jsonl":
            yield from _iter_jsonl(path, chunksize)
        elif fmt == "parquet":
            yield from _iter_parquet(path, chunksize)
        else:
            yield from _iter_xlsx(path, chunksize, sheet, on_note)
    except InputError:
        raise
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise InputError(f"{path}: cannot read as {fmt.upper()}: {exc}") from None


def read_table(
    path: Path | str, *, sheet: str | None = None, on_note: Notes = None
) -> pd.DataFrame:
    """Read a whole table with its column types (CSV: strings); see `iter_table`."""
    chunks = list(iter_table(path, sheet=sheet, on_note=on_note))
    if not chunks:
        return pd.DataFrame()
    if len(chunks) == 1:
        return chunks[0]
    return pd.concat(chunks, ignore_index=True)


def _frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {name: column([row[i] for row in rows]) for i, name in enumerate(columns)},
        columns=columns,
    )


def _iter_csv(path: Path, chunksize: int, on_note: Notes) -> Iterator[pd.DataFrame]:
    dialect = sniff_csv(path)
    if on_note is not None and dialect.encoding not in ("utf-8-sig", "utf-16"):
        on_note(f"{path}: not UTF-8; read as {dialect.encoding}")
    row_no = 1
    with path.open(encoding=dialect.encoding, newline="") as f:
        # strict: a quote left open is an error, not the rest of the file swallowed as one text.
        reader = csv.reader(f, delimiter=dialect.delimiter, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return
            columns = check_columns(header, path)
            width = len(columns)
            chunk: list[list[str]] = []
            one_column = dialect.delimiter == ONE_COLUMN
            for row in reader:
                row_no += 1
                if one_column and len(row) > 1:
                    row = [ONE_COLUMN.join(row)]  # the text holds that control character
                if len(row) > width:
                    raise InputError(_too_many_fields(path, row_no, reader.line_num, row, width))
                chunk.append([unprotect(v) for v in row] + [""] * (width - len(row)))
                if len(chunk) == chunksize:
                    yield _frame(chunk, columns)
                    chunk = []
        except UnicodeDecodeError as exc:
            # The file is decoded in blocks read ahead, so the row is approximate.
            raise InputError(
                f"{path}: near row {row_no + 1}: cannot decode as {dialect.encoding}: {exc.reason}"
            ) from None
        except csv.Error as exc:
            raise InputError(
                f"{path}: row {row_no + 1} (line {reader.line_num}): {_quoting_problem(exc)}"
            ) from None
    if chunk or row_no == 1:
        yield _frame(chunk, columns)


def _quoting_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "unexpected end of data" in message:
        return "a quote is opened and never closed (the rest of the file would become one text)"
    if "expected after" in message:
        return (
            "the text goes on after its closing quote; put the whole text in quotes "
            'and double each quote inside ("")'
        )
    return message


def _too_many_fields(path: Path, row: int, line: int, fields: list[str], width: int) -> str:
    where = f"row {row}" + (f" (line {line})" if line != row else "")
    hint = (
        "a delimiter at the end of the line"
        if all(not v for v in fields[width:])
        else "an unquoted delimiter inside a text?"
    )
    return f"{path}: {where} has {len(fields)} fields but the header has {width} ({hint})"


def _iter_jsonl(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    records: list[dict[str, Any]] = []
    with path.open("rb") as f:
        for line_no, raw in enumerate(f, start=1):
            if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if not raw.strip():
                continue
            records.append(_json_record(raw, path, line_no))
            if len(records) == chunksize:
                yield _records_frame(records)
                records = []
    if records:
        yield _records_frame(records)


def _json_record(raw: bytes, path: Path, line_no: int) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: line {line_no}: not UTF-8 text ({exc.reason})") from None

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        repeated = next((k for k in keys if keys.count(k) > 1), None)
        if repeated is not None:
            raise InputError(f"{path}: line {line_no}: the key {repeated!r} appears twice")
        return dict(pairs)

    try:
        record = json.loads(text.rstrip("\r\n"), object_pairs_hook=no_repeats)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: cannot read as JSONL: line {line_no}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(record, dict):
        raise InputError(
            f"{path}: line {line_no}: a JSON object {{...}} is needed, got {type(record).__name__}"
        )
    return record


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    columns = list(dict.fromkeys(k for record in records for k in record))
    return pd.DataFrame(
        {name: column([record.get(name) for record in records]) for name in columns},
        columns=columns,
    )


def _arrow_types(arrow_type) -> pd.ArrowDtype:
    """Map every Arrow type to its pandas ArrowDtype, so types and nulls are kept exactly."""
    return pd.ArrowDtype(arrow_type)


def _iter_parquet(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own types for a damaged file
        raise InputError(f"{path}: cannot read as PARQUET: {exc}") from None
    check_columns(parquet.schema_arrow.names, path)
    empty = True
    for batch in parquet.iter_batches(batch_size=chunksize):
        empty = False
        yield batch.to_pandas(types_mapper=_arrow_types)
    if empty:
        yield parquet.schema_arrow.empty_table().to_pandas(types_mapper=_arrow_types)


def _iter_xlsx(
    path: Path, chunksize: int, sheet: str | None, on_note: Notes
) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        raise InputError(f"{path}: cannot read as XLSX: {exc}") from None
    try:
        ws = _pick_sheet(book, path, sheet, on_note)
        if ws is None:
            return
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:  # a named sheet that is empty
            return
        columns = check_columns(list(header), path)
        chunk: list[list[Any]] = []
        yielded = False
        width = len(columns)
        for row_no, row in enumerate(rows, start=2):
            if len(row) > width and any(v is not None for v in row[width:]):
                raise InputError(
                    f"{path}: row {row_no} has values beyond the header's {width} columns; "
                    "give those columns a name in row 1"
                )
            chunk.append(list(row[:width]) + [None] * (width - len(row)))
            if len(chunk) == chunksize:
                yield _frame(chunk, columns)
                yielded = True
                chunk = []
        if chunk or not yielded:
            yield _frame(chunk, columns)
    finally:
        book.close()


def _has_values(ws) -> bool:
    return any(v is not None for row in ws.iter_rows(values_only=True) for v in row)


def _pick_sheet(book, path: Path, sheet: str | None, on_note: Notes):
    """The named sheet, or the first sheet with a value; a note says which was read."""
    names = book.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise InputError(
                f"{path}: no sheet named {sheet!r}; sheets: {', '.join(map(repr, names))}"
            )
        return book[sheet]
    for i, name in enumerate(names):
        ws = book[name]
        if _has_values(ws):
            if on_note is not None and len(names) > 1:
                skipped = f" (sheets {', '.join(map(repr, names[:i]))} are empty)" if i else ""
                on_note(f"{path}: read sheet {name!r} of {len(names)}{skipped}")
            return ws
    if on_note is not None:
        on_note(f"{path}: every sheet is empty")
    return None


class TableWriter:
    """Write a table chunk by chunk in the format its file name asks for, atomically.

    The rows go to a unique temporary file next to `path`, renamed onto `path` by
    `close`; `discard` (or leaving a `with` block by an exception) leaves `path` as
    it was. With `excel_safe` (the default) a CSV file starts with a UTF-8 byte order
    mark, so that Excel reads Cyrillic, and a text that Excel would run as a formula
    gets a protective quote (`classifier.cells.protect`), which this module's reader
    removes again. `excel_safe=False` writes plain UTF-8 and the texts as they are.
    XLSX text cells are always text, never formulas.
    """

    def __init__(self, path: Path | str, *, excel_safe: bool = True, param: str = "output") -> None:
        self.path = Path(path)
        self.format = table_format(self.path)
        self.excel_safe = excel_safe
        self._file = AtomicFile(self.path, param=param)
        self._started = False
        self._rows = 0
        self._parquet = None
        self._xlsx = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk."""
        try:
            getattr(self, f"_write_{self.format}")(frame)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self._started = True
        self._rows += len(frame)

    def _write_csv(self, frame: pd.DataFrame) -> None:
        sep = "\t" if self.path.suffix.lower() == ".tsv" else ","
        out = frame.copy()
        for name in out.columns:
            if not pd.api.types.is_numeric_dtype(out[name].dtype):
                out[name] = [self._csv_cell(v) for v in out[name]]
        out.to_csv(
            self._file.tmp,
            mode="a" if self._started else "w",
            header=not self._started,
            index=False,
            sep=sep,
            # CRLF, as RFC 4180 and Excel have it; it also makes the writer quote a text
            # with a lone carriage return, which would otherwise end the row.
            lineterminator="\r\n",
            encoding="utf-8-sig" if self.excel_safe and not self._started else "utf-8",
        )

    def _csv_cell(self, value: Any) -> Any:
        value = flat_value(value)
        return protect(value) if self.excel_safe and isinstance(value, str) else value

    def _write_jsonl(self, frame: pd.DataFrame) -> None:
        columns = list(frame.columns)
        with self._file.tmp.open("a" if self._started else "w", encoding="utf-8") as f:
            for row in frame.itertuples(index=False, name=None):
                record = {name: json_value(v) for name, v in zip(columns, row)}
                # default=str: a value JSON has no type for (a decimal, a UUID) as its text.
                f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = self._arrow_table(frame)
        try:
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._file.tmp, table.schema)
            table = table.cast(self._parquet.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                f"{self.path}: rows {self._rows + 2}–{self._rows + len(frame) + 1}: cannot "
                f"write to Parquet, which needs one type per column: {exc}"
            ) from None
        self._parquet.write_table(table)

    def _arrow_table(self, frame: pd.DataFrame):
        """The chunk as an Arrow table; a column with mixed value types is an `InputError`."""
        import pyarrow as pa

        try:
            return pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            pass
        for name in frame.columns:
            try:
                pa.array(frame[name], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                kinds = sorted({type(v).__name__ for v in frame[name] if v is not None})
                raise InputError(
                    f"{self.path}: column {name!r} mixes value types ({', '.join(kinds)}), "
                    "which a Parquet column cannot hold; write CSV, JSONL or XLSX instead"
                ) from None
        raise InputError(f"{self.path}: cannot write these rows to Parquet")

    def _write_xlsx(self, frame: pd.DataFrame) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if self._xlsx is None:
            from openpyxl import Workbook

            self._xlsx = Workbook(write_only=True)
            self._sheet = self._xlsx.create_sheet()
            self._sheet.append([self._text_cell(WriteOnlyCell, str(c)) for c in frame.columns])
        for i, row in enumerate(frame.itertuples(index=False, name=None)):
            cells = []
            for name, value in zip(frame.columns, row):
                value = _xlsx_value(flat_value(value))
                if isinstance(value, str):
                    # Checked here: raised inside openpyxl, the error breaks its writer.
                    if ILLEGAL_CHARACTERS_RE.search(value):
                        raise InputError(
                            f"{self.path}: row {self._rows + i + 2}, column {name!r}: the text "
                            "has control characters that XLSX cannot hold; write CSV, JSONL "
                            "or Parquet"
                        )
                    value = self._text_cell(WriteOnlyCell, value)
                cells.append(value)
            self._sheet.append(cells)

    def _text_cell(self, cell_type, text: str):
        cell = cell_type(self._sheet, value=text)
        cell.data_type = "s"  # a text, even when it starts with '=': never a formula
        return cell

    def close(self) -> None:
        """Finish the file and rename it into place."""
        try:
            if self._parquet is not None:
                self._parquet.close()
            if self._xlsx is not None:
                self._xlsx.save(self._file.tmp)
        except OSError as exc:
            self._file.discard()
            raise InputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self._file.commit()

    def discard(self) -> None:
        """Stop and remove what was written; `path` stays as it was."""
        try:
            if self._parquet is not None:
                self._parquet.close()
            if self._xlsx is not None:
                self._sheet.close()  # ends openpyxl's row writer, which else complains when collected
        finally:
            self._file.discard()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


_XLSX_TYPES = (str, bool, int, float, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta)


def _xlsx_value(value: Any) -> Any:
    """A value openpyxl can store: zoned times as ISO text (Excel has no zones), others as text."""
    value = plain(value)
    if value is None:
        return None
    if getattr(value, "tzinfo", None) is not None:
        return value.isoformat()
    return value if isinstance(value, _XLSX_TYPES) else str(value)
