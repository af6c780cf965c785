"""Reading labelled appeal tables with clear errors and an account of what was dropped."""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from classifier.aliases import ALIASES, normalize_label, read_mapping, resolve_label
from classifier.cells import as_text
from classifier.errors import InputError
from classifier.labels import LABELS
from classifier.tables import read_table


@dataclass(frozen=True)
class LabelConflict:
    """One text that appears several times with different labels."""

    text: str
    labels: dict[str, int]
    rows: list[int]
    kept: str


@dataclass
class LabelledData:
    """Texts and labels read from a file, with what was dropped on the way.

    Row numbers count as a spreadsheet does: the header is row 1.
    """

    texts: list[str]
    labels: list[str]
    path: Path
    dropped_empty: list[int] = field(default_factory=list)
    dropped_duplicates: list[int] = field(default_factory=list)
    conflicts: list[LabelConflict] = field(default_factory=list)
    sha256: str = ""
    read_notes: list[str] = field(default_factory=list)

    def class_counts(self) -> dict[str, int]:
        """Return the number of texts per label, in `LABELS` order."""
        counts = Counter(self.labels)
        return {name: counts.get(name, 0) for name in LABELS}

    def notes(self) -> list[str]:
        """Return human-readable lines about how the file was read, dropped rows and conflicts."""
        lines = list(self.read_notes)
        if self.dropped_empty:
            lines.append(
                f"{self.path}: dropped {len(self.dropped_empty)} row(s) with empty text "
                f"(rows {_rows(self.dropped_empty)})"
            )
        if self.dropped_duplicates:
            lines.append(
                f"{self.path}: dropped {len(self.dropped_duplicates)} duplicate text(s) "
                f"(rows {_rows(self.dropped_duplicates)})"
            )
        for c in self.conflicts:
            labels = ", ".join(f"{name} ×{n}" for name, n in c.labels.items())
            lines.append(
                f"{self.path}: rows {_rows(c.rows)} have the same text with different labels "
                f"({labels}); kept {c.kept!r}: {c.text[:60]!r}"
            )
        return lines


def require_columns(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    """Raise `InputError` naming the missing columns and the ones present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(map(repr, missing))}; "
            f"columns present: {', '.join(map(repr, frame.columns))}"
        )


def read_labelled(
    path: Path | str,
    *,
    text_col: str = "text",
    label_col: str = "label",
    labels_map: Path | str | dict[str, str] | None = None,
    sheet: str | None = None,
) -> LabelledData:
    """Read a labelled table: labels by code, Russian name or alias; empty and duplicate texts dropped.

    The text and label columns are read as text (a null is empty); `sheet` picks an XLSX sheet.
    Raise `InputError` if no row has a text.
    """
    path = Path(path)
    mapping = read_mapping(labels_map) if isinstance(labels_map, (str, Path)) else labels_map
    read_notes: list[str] = []
    frame = read_table(path, sheet=sheet, on_note=read_notes.append)
    require_columns(frame, path, [text_col, label_col])
    rows = [int(i) + 2 for i in frame.index]
    texts = as_text(frame[text_col]).tolist()
    if not any(text.strip() for text in texts):
        raise InputError(
            f"{path}: column {text_col!r}: no row has a text "
            + (f"(all {len(texts)} are empty)" if texts else "(the table has no rows)")
        )
    names = as_text(frame[label_col]).tolist()
    codes = [resolve_label(name, mapping) for name in names]
    unknown = Counter(name.strip() for name, code in zip(names, codes) if code is None)
    if unknown:
        first = next(row for row, code in zip(rows, codes) if code is None)
        listed = ", ".join(
            f"{name!r} ×{n}" + _suggestion(name, mapping) for name, n in unknown.most_common(10)
        )
        raise InputError(
            f"{path}: column {label_col!r}: unknown label(s) {listed} (first at row {first}); "
            f"known labels: {', '.join(LABELS)} (or Russian names, or a --labels-map file)"
        )
    empty = [row for row, text in zip(rows, texts) if not text.strip()]
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if text.strip():
            groups.setdefault(" ".join(text.split()), []).append(i)
    kept_texts, kept_labels, duplicates, conflicts = [], [], [], []
    for key, members in groups.items():
        votes = Counter(codes[i] for i in members)
        # The most frequent label wins; most_common keeps first-seen order on a tie,
        # so the label of the first row wins a tie.
        label = votes.most_common(1)[0][0]
        if len(votes) > 1:
            conflicts.append(
                LabelConflict(key, dict(votes), [rows[i] for i in members], kept=label)
            )
        duplicates.extend(rows[i] for i in members[1:])
        kept_texts.append(texts[members[0]])
        kept_labels.append(label)
    return LabelledData(
        texts=kept_texts,
        labels=kept_labels,
        path=path,
        dropped_empty=empty,
        dropped_duplicates=sorted(duplicates),
        conflicts=conflicts,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        read_notes=read_notes,
    )


def _suggestion(name: str, mapping: dict[str, str] | None) -> str:
    known = [*ALIASES, *(mapping or {})]
    close = difflib.get_close_matches(normalize_label(name), known, n=1, cutoff=0.6)
    if not close:
        return ""
    target = ALIASES.get(close[0]) or (mapping or {}).get(close[0])
    return (
        f" (did you mean {close[0]!r} = {target}?)"
        if close[0] != target
        else f" (did you mean {target!r}?)"
    )


def _rows(rows: list[int], most: int = 10) -> str:
    shown = ", ".join(map(str, rows[:most]))
    return shown + (f", … ({len(rows) - most} more)" if len(rows) > most else "")
