"""Reading labelled and unlabelled appeal tables with clear errors."""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from classifier.errors import InputError
from classifier.labels import LABELS
from classifier.tables import read_table


@dataclass
class LabelledData:
    """Texts and labels read from a file, with what was dropped on the way."""

    texts: list[str]
    labels: list[str]
    path: Path
    dropped_empty: list[int] = field(default_factory=list)
    sha256: str = ""

    def class_counts(self) -> dict[str, int]:
        """Return the number of texts per label, in `LABELS` order."""
        counts = Counter(self.labels)
        return {name: counts.get(name, 0) for name in LABELS}


def require_columns(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    """Raise `InputError` naming the missing columns and the ones present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(map(repr, missing))}; "
            f"columns present: {', '.join(map(repr, frame.columns))}"
        )


def read_labelled(
    path: Path | str, *, text_col: str = "text", label_col: str = "label"
) -> LabelledData:
    """Read a labelled table; unknown labels are an error, empty texts are dropped and counted."""
    path = Path(path)
    frame = read_table(path)
    require_columns(frame, path, [text_col, label_col])
    labels = frame[label_col].str.strip().str.lower()
    unknown = Counter(label for label in labels if label not in LABELS)
    if unknown:
        first_row = int(labels[~labels.isin(LABELS)].index[0]) + 2
        listed = ", ".join(
            f"{label!r} ×{n}" + _suggestion(label) for label, n in unknown.most_common(10)
        )
        raise InputError(
            f"{path}: column {label_col!r}: unknown label(s) {listed} (first at row {first_row}); "
            f"known labels: {', '.join(LABELS)}"
        )
    texts = frame[text_col]
    empty = texts.str.strip() == ""
    keep = ~empty
    return LabelledData(
        texts=texts[keep].tolist(),
        labels=labels[keep].tolist(),
        path=path,
        # Row numbers as a spreadsheet shows them: the header is row 1.
        dropped_empty=[int(i) + 2 for i in frame.index[empty]],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _suggestion(label: str) -> str:
    close = difflib.get_close_matches(label, LABELS, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""
