"""A file of appeals read for a report: texts, ids and dates found and checked, then the report.

`appeals report` and the analysts' page both start here, so a file reads the same way
in both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from classifier.i18n import DEFAULT_LANG, check_lang

if TYPE_CHECKING:
    from classifier.model import Model
    from classifier.report import Report, ReportFiles


@dataclass
class AppealsFile:
    """The rows of a file of appeals, with the columns a report reads."""

    path: Path
    frame: pd.DataFrame
    texts: list[str]
    ids: list[str] | None
    dates: list[object] | None
    date_col: str | None
    text_col: str = "text"
    id_col: str = "id"


@dataclass
class FileReport:
    """A report of a file and the files it was written to."""

    report: Report
    files: ReportFiles
    appeals: AppealsFile


def read_appeals(
    path: Path | str,
    *,
    text_col: str = "text",
    id_col: str = "id",
    date_col: str | None = None,
    sheet: str | None = None,
    on_note: Callable[[str], None] | None = None,
) -> AppealsFile:
    """Read a CSV, XLSX, JSONL or Parquet file of appeals; the date column is found if not named.

    Raises `InputError` naming the file and column when `text_col` (or a named
    `date_col`) is missing.
    """
    from classifier.cells import as_text
    from classifier.data import require_columns
    from classifier.report import DATE_COLUMNS
    from classifier.tables import read_table

    path = Path(path)
    frame = read_table(path, sheet=sheet, on_note=on_note)
    require_columns(frame, path, [text_col] + ([date_col] if date_col else []))
    date_col = date_col or next((c for c in frame.columns if str(c).lower() in DATE_COLUMNS), None)
    return AppealsFile(
        path=path,
        frame=frame,
        texts=as_text(frame[text_col]).tolist(),
        ids=as_text(frame[id_col]).tolist() if id_col in frame.columns else None,
        dates=frame[date_col].tolist() if date_col else None,
        date_col=date_col,
        text_col=text_col,
        id_col=id_col,
    )


def report_file(
    data: Path | str | AppealsFile,
    out: Path | str,
    *,
    model: Model,
    method: str = "emq",
    calibration: Path | str | None = None,
    match: str = "auto",
    incidents: Path | str | None = None,
    lang: str = DEFAULT_LANG,
    text_col: str = "text",
    id_col: str = "id",
    date_col: str | None = None,
    sheet: str | None = None,
    proba=None,
    on_note: Callable[[str], None] | None = None,
) -> FileReport:
    """Build the distribution report of a file of appeals and write it into the folder `out`.

    `calibration` is a labelled sheet (`appeals sample`) and `incidents` an incidents
    table (`appeals incidents`) of these appeals; `proba` as in `build_report`.
    """
    from classifier.report import build_report, write_report
    from classifier.sheet import read_sheet

    check_lang(lang)
    appeals = (
        data
        if isinstance(data, AppealsFile)
        else read_appeals(
            data, text_col=text_col, id_col=id_col, date_col=date_col, sheet=sheet, on_note=on_note
        )
    )
    labelled = None
    if calibration is not None:
        labelled = read_sheet(calibration, text_col=appeals.text_col, id_col=appeals.id_col)
        if on_note is not None:
            on_note(labelled.note())
    report = build_report(
        model,
        appeals.texts,
        dates=appeals.dates,
        method=method,
        calibration=labelled,
        ids=appeals.ids,
        match=match,
        source=str(appeals.path),
        date_col=appeals.date_col or "date",
        proba=proba,
    )
    if incidents is not None:
        from classifier.incident_report import incident_section
        from classifier.incidents import read_incidents

        report.incidents = incident_section(read_incidents(incidents))
    return FileReport(report=report, files=write_report(report, out, lang=lang), appeals=appeals)
