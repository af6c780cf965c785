"""Training a model from labelled data, with cross-validated and held-out metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from classifier.data import LabelledData, read_labelled
from classifier.errors import InputError
from classifier.evaluation import Metrics, compute_metrics
from classifier.labels import LABELS
from classifier.model import Model
from classifier.pipeline import build_pipeline, strip_fitted_vocabulary_noise

MIN_PER_CLASS = 10
SEED = 0


@dataclass
class TrainResult:
    """The fitted model and the metrics measured while training it."""

    model: Model
    cv: Metrics | None
    test: Metrics | None
    cv_confusion_rates: list[list[float]] | None


def train(
    data: LabelledData,
    *,
    test: LabelledData | None = None,
    folds: int = 5,
    params: dict | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> TrainResult:
    """Fit the pipeline on `data`; report `folds`-fold CV metrics and metrics on `test`."""
    counts = data.class_counts()
    few = {name: n for name, n in counts.items() if n < MIN_PER_CLASS}
    if few:
        raise InputError(
            f"{data.path}: too few examples of "
            + ", ".join(f"{name!r} ({n})" for name, n in few.items())
            + f"; each label needs at least {MIN_PER_CLASS}"
        )
    params = dict(params or {})
    cv = rates = None
    if folds >= 2:
        progress(f"cross-validating ({folds} folds) on {len(data.texts)} texts")
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        proba = cross_val_predict(
            build_pipeline(**params), data.texts, data.labels, cv=splitter, method="predict_proba"
        )
        predicted = [sorted(LABELS)[i] for i in proba.argmax(axis=1)]
        cv = compute_metrics(data.labels, predicted)
        rates = _confusion_rates(data.labels, predicted)
    progress(f"fitting on {len(data.texts)} texts")
    pipeline = strip_fitted_vocabulary_noise(build_pipeline(**params).fit(data.texts, data.labels))
    model = Model(pipeline=pipeline)
    test_metrics = None
    if test is not None:
        progress(f"evaluating on {len(test.texts)} held-out texts")
        test_metrics = compute_metrics(test.labels, [p.label for p in model.predict(test.texts)])
    model.metadata = {
        "params": params,
        "training_data": {
            "file": data.path.name,
            "sha256": data.sha256,
            "n": len(data.texts),
            "class_counts": counts,
            "dropped_empty_rows": len(data.dropped_empty),
        },
        "metrics": {
            "cv": cv.to_dict() if cv else None,
            "test": test_metrics.to_dict() if test_metrics else None,
            "test_data": {"file": test.path.name, "sha256": test.sha256} if test else None,
        },
        "cv_confusion_rates": rates,
    }
    return TrainResult(model=model, cv=cv, test=test_metrics, cv_confusion_rates=rates)


def train_file(
    path: Path | str,
    *,
    out: Path | str,
    test_path: Path | str | None = None,
    text_col: str = "text",
    label_col: str = "label",
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
) -> TrainResult:
    """Read labelled data from `path`, train, and save the model to `out`."""
    data = read_labelled(path, text_col=text_col, label_col=label_col)
    test = read_labelled(test_path, text_col=text_col, label_col=label_col) if test_path else None
    result = train(data, test=test, folds=folds, progress=progress)
    result.model.save(Path(out))
    return result


def _confusion_rates(y_true: list[str], y_pred: list[str]) -> list[list[float]]:
    # P(predicted j | true i), rows and columns in LABELS order: what adjusted counting needs.
    index = {name: i for i, name in enumerate(LABELS)}
    counts = np.zeros((len(LABELS), len(LABELS)))
    for t, p in zip(y_true, y_pred):
        counts[index[t], index[p]] += 1
    rows = counts.sum(axis=1, keepdims=True)
    return (counts / np.where(rows == 0, 1, rows)).round(6).tolist()
