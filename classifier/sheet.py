"""Labelling sheets: a sample of appeals written for an analyst to label, and read back.

A sheet has the columns ``id`` (the input's id column, or the row number as a
spreadsheet counts it, header = row 1), ``text``, ``predicted``, ``predicted_ru``,
``confidence``, an empty ``label`` column for the analyst, and the sampling design:
``weight`` (population rows each sheet row stands for) and ``stratum``. In XLSX the
``label`` column has a drop-down of the five labels, and a second sheet ``design``
records the strategy, seed, population and source. Any supported table format reads
back; the label may be a code, a Russian name, an alias or a drop-down entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from classifier.errors import InputError
from classifier.labels import LABELS, LABELS_RU, label_choice
from classifier.sampling import SampleDesign, draw_sample

if TYPE_CHECKING:
    import pandas as pd

    from classifier.model import Model

SHEET_COLUMNS = (
    "id",
    "text",
    "predicted",
    "predicted_ru",
    "confidence",
    "label",
    "weight",
    "stratum",
)


@dataclass(frozen=True)
class SheetFile:
    """What `sample_file` wrote."""

    path: Path
    rows: int
    population: int
    strategy: str
    per_stratum: dict[str, int]


@dataclass
class LabelSheet:
    """A labelling sheet read back: every row, its label (None where left empty) and weight."""

    path: Path
    ids: list[str] | None
    texts: list[str]
    labels: list[str | None]
    weights: np.ndarray
    row_numbers: list[int] = field(default_factory=list)

    @property
    def labelled(self) -> np.ndarray:
        """Indices of the rows with a label."""
        return np.array([i for i, label in enumerate(self.labels) if label], dtype=int)

    @property
    def n_unlabelled(self) -> int:
        """Rows left without a label."""
        return sum(1 for label in self.labels if not label)

    def note(self) -> str:
        """Return one line on how many rows are labelled."""
        text = f"{self.path}: {len(self.labelled)} labelled row(s) of {len(self.labels)}"
        if self.n_unlabelled:
            text += f"; {self.n_unlabelled} row(s) without a label are not used"
        return text


def stratum_names(design: SampleDesign) -> list[str]:
    """Return a readable name for the stratum of each drawn row."""
    if design.strategy == "stratified":
        return [f"predicted {LABELS[h]}" for h in design.strata]
    if design.strategy == "uncertain":
        return [f"confidence band {h + 1} of 4" for h in design.strata]
    return ["all" for _ in design.strata]


def make_sheet(
    model: Model,
    frame: pd.DataFrame,
    *,
    n: int,
    strategy: str = "stratified",
    seed: int = 0,
    text_col: str = "text",
    id_col: str = "id",
) -> tuple[pd.DataFrame, SampleDesign]:
    """Classify `frame`, draw `n` non-empty rows by `strategy`; return the sheet and its design."""
    import pandas as pd

    from classifier.cells import as_text

    texts = as_text(frame[text_col]).tolist()
    if id_col in frame.columns:
        ids = as_text(frame[id_col]).tolist()
    else:
        ids = [str(i + 2) for i in range(len(frame))]
    filled = np.array([i for i, t in enumerate(texts) if t.strip()], dtype=int)
    if len(filled) == 0:
        raise InputError("the data has no non-empty texts to sample")
    proba = model.predict_proba([texts[i] for i in filled])
    design = draw_sample(proba, n=n, strategy=strategy, seed=seed)
    rows = filled[design.rows]
    best = proba[design.rows].argmax(axis=1)
    sheet = pd.DataFrame(
        {
            "id": [ids[i] for i in rows],
            "text": [texts[i] for i in rows],
            "predicted": [LABELS[b] for b in best],
            "predicted_ru": [LABELS_RU[LABELS[b]] for b in best],
            "confidence": proba[design.rows].max(axis=1).round(4),
            "label": ["" for _ in rows],
            "weight": design.weights.round(6),
            "stratum": stratum_names(design),
        }
    )
    return sheet, design


def write_sheet(sheet: pd.DataFrame, path: Path | str, *, design: dict | None = None) -> Path:
    """Write a labelling sheet as XLSX (with a label drop-down) or any other table format."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        from classifier.tables import TableWriter

        with TableWriter(path) as writer:
            writer.write(sheet)
        return path
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = "appeals"
    ws.append(list(sheet.columns))
    for values in sheet.itertuples(index=False):
        ws.append(list(values))
    # Texts are data, never formulas: a text starting with "=" stays a string cell.
    for col in ("id", "text", "label", "predicted", "predicted_ru", "stratum"):
        letter = ws.cell(row=1, column=list(sheet.columns).index(col) + 1).column_letter
        for cell in ws[letter][1:]:
            cell.data_type = "s"
    label_letter = ws.cell(row=1, column=list(sheet.columns).index("label") + 1).column_letter
    choices = ",".join(label_choice(code) for code in LABELS)
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
    validation.error = "Выберите одну из пяти категорий / choose one of the five labels"
    validation.prompt = "Категория обращения / the appeal's label"
    ws.add_data_validation(validation)
    validation.add(f"{label_letter}2:{label_letter}{max(len(sheet), 1) + 1}")
    ws.column_dimensions[ws.cell(row=1, column=2).column_letter].width = 80
    ws.column_dimensions[label_letter].width = 32
    ws.freeze_panes = "A2"
    info = book.create_sheet("design")
    for key, value in (design or {}).items():
        info.append([key, str(value)])
    from classifier.atomic import write_atomic

    return write_atomic(path, book.save)


def design_notes(
    design: SampleDesign,
    *,
    model: Model,
    strategy: str,
    seed: int,
    source: str,
    id_col: str | None,
) -> dict:
    """Return what the sheet's design tab records: how the rows were drawn, from what."""
    return {
        "strategy": strategy,
        "seed": seed,
        "population (non-empty rows)": design.population,
        "rows drawn": len(design.rows),
        "source": source,
        "id column": id_col if id_col is not None else "row number (header = row 1)",
        "model sha256": model.metadata.get("artifact", {}).get("sha256", ""),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def sample_file(
    data: Path | str,
    out: Path | str,
    *,
    model: Model,
    n: int,
    strategy: str = "stratified",
    seed: int = 0,
    text_col: str = "text",
    id_col: str = "id",
) -> SheetFile:
    """Draw a labelling sheet of `n` rows of the file `data` and write it to `out`."""
    from classifier.data import require_columns
    from classifier.tables import read_table, table_format

    data, out = Path(data), Path(out)
    table_format(out)
    frame = read_table(data)
    require_columns(frame, data, [text_col])
    sheet, design = make_sheet(
        model, frame, n=n, strategy=strategy, seed=seed, text_col=text_col, id_col=id_col
    )
    write_sheet(
        sheet,
        out,
        design=design_notes(
            design,
            model=model,
            strategy=strategy,
            seed=seed,
            source=data.name,
            id_col=id_col if id_col in frame.columns else None,
        ),
    )
    counts = sheet["stratum"].value_counts(sort=False)
    return SheetFile(
        path=out,
        rows=len(sheet),
        population=design.population,
        strategy=strategy,
        per_stratum={str(k): int(v) for k, v in counts.items()},
    )


def read_sheet(
    path: Path | str,
    *,
    text_col: str = "text",
    label_col: str = "label",
    id_col: str = "id",
    labels_map: Path | str | dict[str, str] | None = None,
) -> LabelSheet:
    """Read a (possibly partly) labelled sheet; rows with an empty label are kept as unlabelled."""
    from classifier.aliases import read_mapping, resolve_label
    from classifier.cells import as_text
    from classifier.data import require_columns
    from classifier.tables import read_table

    path = Path(path)
    mapping = read_mapping(labels_map) if isinstance(labels_map, (str, Path)) else labels_map
    frame = read_table(path)
    require_columns(frame, path, [text_col, label_col])

    def strings(col: str) -> list[str]:
        return as_text(frame[col]).tolist()

    raw = strings(label_col)
    labels: list[str | None] = []
    unknown: list[tuple[int, str]] = []
    for row, name in enumerate(raw, start=2):
        if not name.strip():
            labels.append(None)
            continue
        code = resolve_label(name, mapping)
        if code is None:
            unknown.append((row, name))
        labels.append(code)
    if unknown:
        shown = ", ".join(f"row {row}: {name!r}" for row, name in unknown[:5])
        raise InputError(
            f"{path}: column {label_col!r}: {len(unknown)} unknown label(s) ({shown}); "
            f"use one of {', '.join(LABELS)}, their Russian names or the drop-down entries"
        )
    weights = np.ones(len(frame))
    if "weight" in frame.columns:
        parsed = [_number(v) for v in frame["weight"].tolist()]
        bad = [i + 2 for i, v in enumerate(parsed) if v is not None and v <= 0]
        bad += [i + 2 for i, (v, lab) in enumerate(zip(parsed, labels)) if v is None and lab]
        if bad:
            raise InputError(
                f"{path}: column 'weight': row(s) {', '.join(map(str, sorted(bad)[:10]))} "
                "need a positive number (the sampling weight written with the sheet)"
            )
        weights = np.array([v if v is not None else 1.0 for v in parsed])
    if not any(labels):
        raise InputError(f"{path}: column {label_col!r} is empty in every row: nothing is labelled")
    return LabelSheet(
        path=path,
        ids=strings(id_col) if id_col in frame.columns else None,
        texts=strings(text_col),
        labels=labels,
        weights=weights,
        row_numbers=list(range(2, len(frame) + 2)),
    )


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    return number if np.isfinite(number) else None
