"""Evaluating a model on labelled data and writing what an analyst reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from classifier.atomic import atomic_path, prepare_folder, write_text
from classifier.data import LabelledData
from classifier.metrics import Metrics, compute_metrics
from classifier.model import Model
from classifier.tables import TableWriter


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a model on labelled data and its errors, most confident first."""

    metrics: Metrics
    errors: pd.DataFrame


def evaluate(model: Model, data: LabelledData) -> Evaluation:
    """Classify the labelled texts and compare with their labels."""
    predictions = model.predict(data.texts)
    predicted = [p.label for p in predictions]
    frame = pd.DataFrame(
        {
            "text": data.texts,
            "label": data.labels,
            "predicted": predicted,
            "confidence": [round(p.confidence, 4) for p in predictions],
            "probability_of_label": [
                round(p.probabilities[t], 4) for p, t in zip(predictions, data.labels)
            ],
        }
    )
    errors = frame[frame["label"] != frame["predicted"]].sort_values(
        "confidence", ascending=False, kind="stable"
    )
    return Evaluation(compute_metrics(data.labels, predicted), errors.reset_index(drop=True))


def write_evaluation(
    evaluation: Evaluation, out_dir: Path | str, *, source: str = "", excel_safe: bool = True
) -> Path:
    """Write metrics.json, evaluation.md, confusion.png and errors.csv, each atomically; return the folder.

    errors.csv is written as `TableWriter` writes CSV: Excel-safe unless `excel_safe=False`.
    """
    from classifier.plots import confusion_heatmap

    out = prepare_folder(out_dir, param="out_dir")
    m = evaluation.metrics
    write_text(
        out / "metrics.json",
        json.dumps(m.to_dict(), ensure_ascii=False, indent=2) + "\n",
        param="out_dir",
    )
    with atomic_path(out / "confusion.png", param="out_dir") as tmp:
        confusion_heatmap(m.confusion, m.labels, tmp)
    with TableWriter(out / "errors.csv", excel_safe=excel_safe, param="out_dir") as writer:
        writer.write(evaluation.errors)
    worst = evaluation.errors.head(20)
    lines = [
        "# Evaluation",
        "",
        f"Data: `{source}`, {m.n} texts. macro-F1 **{m.macro_f1:.3f}**, accuracy {m.accuracy:.3f}.",
        "",
        m.table(),
        "",
        "![confusion matrix](confusion.png)",
        "",
        f"## The {len(worst)} most confident errors (all {len(evaluation.errors)} in errors.csv)",
        "",
        "| true | predicted | confidence | text |",
        "|---|---|---|---|",
        *(
            f"| {r.label} | {r.predicted} | {r.confidence:.2f} | "
            f"{r.text[:120].replace('|', '/').replace(chr(10), ' ')} |"
            for r in worst.itertuples()
        ),
    ]
    write_text(out / "evaluation.md", "\n".join(lines) + "\n", param="out_dir")
    return out
