"""Classification metrics as a record that goes into model metadata and reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from classifier.labels import LABELS


@dataclass(frozen=True)
class ClassMetrics:
    """Precision, recall, F1 and support of one label."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Metrics:
    """Macro-F1, accuracy, per-label metrics and the confusion matrix (rows: true labels)."""

    macro_f1: float
    accuracy: float
    per_class: dict[str, ClassMetrics]
    confusion: list[list[int]]
    labels: tuple[str, ...]
    n: int

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)

    def table(self) -> str:
        """Return a Markdown table of the per-label metrics."""
        lines = ["| label | precision | recall | F1 | n |", "|---|---|---|---|---|"]
        for name, m in self.per_class.items():
            lines.append(
                f"| {name} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} | {m.support} |"
            )
        lines.append(f"| **macro** | | | **{self.macro_f1:.3f}** | {self.n} |")
        return "\n".join(lines)


def compute_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], *, labels: Sequence[str] = LABELS
) -> Metrics:
    """Return the metrics of predictions against true labels, over `labels` present in `y_true`."""
    present = [name for name in labels if name in set(y_true)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=present, zero_division=0)
    return Metrics(
        macro_f1=float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(y_true, y_pred)),
        per_class={
            name: ClassMetrics(float(p[i]), float(r[i]), float(f[i]), int(s[i]))
            for i, name in enumerate(present)
        },
        confusion=confusion_matrix(y_true, y_pred, labels=list(labels)).tolist(),
        labels=tuple(labels),
        n=len(y_true),
    )
