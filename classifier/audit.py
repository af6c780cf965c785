"""Label audit: rank labelled rows by how likely their label is wrong (confident learning).

From out-of-fold probabilities `p` (rows: texts, columns: `LABELS`) and given labels:
each class `j` gets the threshold `t_j`, the mean `p[:, j]` over the rows labelled `j`
(its average self-confidence). A row counts toward the confident joint at (given label,
`j`) for the class `j` with the largest `p_j` among those with `p_j >= t_j`; rows that
land off the diagonal are flagged as likely mislabelled, with `j` as the suggested
label. Rows are ranked by the normalised margin `max_{k != y} p_k - p_y` (flagged rows
first). Northcutt, Jiang & Chuang, "Confident Learning: Estimating Uncertainty in
Dataset Labels", JAIR 70 (2021), sections 3.1–3.2 (C_confusion / confident-joint
off-diagonals, ranked by normalised margin).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.labels import LABELS


@dataclass(frozen=True)
class AuditRow:
    """One labelled row: its place in the data, label, suggested label, and how suspect it is."""

    index: int
    label: str
    suggested: str
    score: float
    flagged: bool
    self_confidence: float


@dataclass
class Audit:
    """All rows, most suspect first; `flagged` rows sit off the confident joint's diagonal."""

    rows: list[AuditRow]
    thresholds: dict[str, float]
    confident_joint: list[list[int]]

    @property
    def n_flagged(self) -> int:
        """How many rows look mislabelled."""
        return sum(r.flagged for r in self.rows)

    def top(self, n: int) -> list[AuditRow]:
        """Return the `n` most suspect rows."""
        return self.rows[:n]


def confident_learning(proba: np.ndarray, labels: Sequence[str]) -> Audit:
    """Rank rows by how likely `labels` are wrong given out-of-fold `proba` (`LABELS` order)."""
    proba = np.asarray(proba, dtype=float)
    if proba.shape != (len(labels), len(LABELS)):
        raise ValueError(f"proba must have shape ({len(labels)}, {len(LABELS)}), got {proba.shape}")
    given = np.array([LABELS.index(name) for name in labels], dtype=int)
    k = len(LABELS)
    n = len(given)
    thresholds = np.array(
        [proba[given == j, j].mean() if (given == j).any() else 1.0 for j in range(k)]
    )
    above = proba >= thresholds - 1e-12
    masked = np.where(above, proba, -1.0)
    confident = masked.argmax(axis=1)
    has = above.any(axis=1)
    joint = np.zeros((k, k), dtype=int)
    np.add.at(joint, (given[has], confident[has]), 1)
    self_conf = proba[np.arange(n), given]
    others = proba.copy()
    others[np.arange(n), given] = -1.0
    best_other = others.argmax(axis=1)
    margin = others.max(axis=1) - self_conf  # in [-1, 1]; > 0: another label is likelier
    flagged = has & (confident != given)
    suggested = np.where(flagged, confident, best_other)
    order = np.lexsort((np.arange(n), -margin, ~flagged))
    rows = [
        AuditRow(
            index=int(i),
            label=LABELS[given[i]],
            suggested=LABELS[suggested[i]],
            score=round(float((margin[i] + 1) / 2), 4),
            flagged=bool(flagged[i]),
            self_confidence=round(float(self_conf[i]), 4),
        )
        for i in order
    ]
    return Audit(
        rows=rows,
        thresholds={name: round(float(t), 4) for name, t in zip(LABELS, thresholds)},
        confident_joint=joint.tolist(),
    )


def audit_frame(audit: Audit, texts: Sequence[str], ids: Sequence[str] | None = None, rows=None):
    """Return the audit as a table: rank, id (if known), row, label, suggested, score, flagged, text."""
    records = []
    for rank, r in enumerate(audit.rows, start=1):
        record = {"rank": rank}
        if ids is not None:
            record["id"] = ids[r.index]
        if rows is not None:
            record["row"] = rows[r.index]
        record.update({k: v for k, v in asdict(r).items() if k != "index"})
        record["text"] = texts[r.index]
        records.append(record)
    return pd.DataFrame(records)


def source_rows(path: Path, texts: Sequence[str], *, text_col: str, id_col: str = "id"):
    """Return (ids or None, spreadsheet rows) of the rows `read_labelled` kept for `texts`."""
    from classifier.tables import read_table

    frame = read_table(path)
    first: dict[str, int] = {}
    for i, value in enumerate(frame[text_col].tolist()):
        empty = value is None or (isinstance(value, float) and value != value)  # None, NaN
        key = " ".join(("" if empty else str(value)).split())
        first.setdefault(key, i)
    index = [first.get(" ".join(t.split()), -1) for t in texts]
    rows = [i + 2 if i >= 0 else None for i in index]
    ids = None
    if id_col in frame.columns:
        column = frame[id_col].tolist()
        ids = ["" if i < 0 else str(column[i]) for i in index]
    return ids, rows


def write_audit(audit: Audit, out: Path | str, texts, ids=None, rows=None) -> Path:
    """Write the ranked audit table to `out` (its suffix picks the format)."""
    from classifier.tables import TableWriter

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with TableWriter(out) as writer:
        writer.write(audit_frame(audit, texts, ids, rows))
    return out


@dataclass(frozen=True)
class AuditFile:
    """What `audit_file` found and wrote."""

    audit: Audit
    output: Path | None
    n: int
    texts: list[str]


def audit_file(
    path: Path | str,
    out: Path | str | None = None,
    *,
    text_col: str = "text",
    label_col: str = "label",
    id_col: str = "id",
    labels_map: Path | str | None = None,
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
    on_fold: Callable[[int], None] = lambda fold: None,
) -> AuditFile:
    """Cross-validate on the labelled table at `path` and rank its rows by label doubt."""
    from classifier.data import read_labelled
    from classifier.errors import ConfigError, InputError
    from classifier.training import out_of_fold

    if folds < 2:
        raise ConfigError(f"folds: {folds!r}; the audit needs at least 2")
    path = Path(path)
    data = read_labelled(path, text_col=text_col, label_col=label_col, labels_map=labels_map)
    for note in data.notes():
        progress(note)
    few = {name: c for name, c in data.class_counts().items() if 0 < c < folds}
    if few:
        raise InputError(
            f"{path}: column {label_col!r}: too few rows of "
            + ", ".join(f"{name!r} ({c})" for name, c in few.items())
            + f" for {folds}-fold cross-validation"
        )
    progress(f"cross-validating ({folds} folds) on {len(data.texts)} texts")
    proba = out_of_fold(data.texts, data.labels, folds=folds, on_fold=on_fold)
    audit = confident_learning(proba, data.labels)
    written = None
    if out is not None:
        ids, rows = source_rows(path, data.texts, text_col=text_col, id_col=id_col)
        written = write_audit(audit, out, data.texts, ids, rows)
    return AuditFile(audit=audit, output=written, n=len(data.texts), texts=data.texts)
