"""Training a model from labelled data, with cross-validated and held-out metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from classifier.audit import Audit, confident_learning, source_rows, write_audit
from classifier.data import LabelledData, read_labelled
from classifier.errors import InputError
from classifier.labels import LABELS
from classifier.metrics import Metrics, compute_metrics
from classifier.model import Model
from classifier.pipeline import build_pipeline, compact_fitted
from classifier.quantify import BCTS, fit_bcts
from classifier.review import DEFAULT_TARGET_PRECISION, check_target_precision, choose_threshold

MIN_PER_CLASS = 10
SEED = 0


@dataclass
class TrainResult:
    """The fitted model and the metrics measured while training it."""

    model: Model
    data: LabelledData
    cv: Metrics | None
    test: Metrics | None
    # Rows ranked by label doubt, from the CV probabilities (None without CV).
    audit: Audit | None = None
    audit_path: Path | None = None


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold probabilities (label order: `LABELS`) and what quantification needs."""

    proba: np.ndarray
    metrics: Metrics
    confusion_rates: np.ndarray
    mean_probabilities: np.ndarray
    bcts: BCTS

    def quantification(self) -> dict:
        """Return the rates as stored in model metadata (rows: true label, columns: predicted)."""
        return {
            "confusion_rates": self.confusion_rates.round(6).tolist(),
            "mean_probabilities": self.mean_probabilities.round(6).tolist(),
            "bcts": {
                "temperature": round(self.bcts.temperature, 6),
                "bias": self.bcts.bias.round(6).tolist(),
                "prior": self.bcts.prior.round(6).tolist(),
            },
        }


def fit_pipeline(
    texts: list[str], labels: list[str], *, params: dict | None = None, weights=None
) -> Pipeline:
    """Fit a fresh pipeline; `weights` (one per text) weight the regression's examples."""
    pipeline = build_pipeline(**(params or {}))
    fit_params = {} if weights is None else {"clf__sample_weight": np.asarray(weights, float)}
    return compact_fitted(pipeline.fit(texts, labels, **fit_params))


def out_of_fold(
    texts: list[str],
    labels: list[str],
    *,
    folds: int = 5,
    params: dict | None = None,
    weights=None,
    on_fold: Callable[[int], None] = lambda fold: None,
) -> np.ndarray:
    """Return stratified `folds`-fold out-of-fold probabilities of `texts` (`LABELS` order).

    `weights` (one per text, default 1) weight the examples of each fold's training part.
    """
    y = np.array(labels)
    w = None if weights is None else np.asarray(weights, dtype=float)
    proba = np.zeros((len(texts), len(LABELS)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for fold, (train_idx, test_idx) in enumerate(splitter.split(texts, y), start=1):
        fitted = fit_pipeline(
            [texts[i] for i in train_idx],
            y[train_idx].tolist(),
            params=params,
            weights=None if w is None else w[train_idx],
        )
        order = [list(fitted.classes_).index(name) for name in LABELS]
        proba[test_idx] = fitted.predict_proba([texts[i] for i in test_idx])[:, order]
        on_fold(fold)
    return proba


def rates_from_proba(proba: np.ndarray, labels: list[str], weights=None) -> CrossValidation:
    """Return metrics and error rates of held-out probabilities against true labels."""
    predicted = [LABELS[i] for i in proba.argmax(axis=1)]
    truth = np.array([LABELS.index(name) for name in labels])
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float)
    k = len(LABELS)
    counts = np.zeros((k, k))
    np.add.at(counts, (truth, proba.argmax(axis=1)), w)
    sums = np.zeros((k, k))
    np.add.at(sums, truth, proba * w[:, None])
    support = np.maximum(counts.sum(axis=1, keepdims=True), 1e-12)
    return CrossValidation(
        proba=proba,
        metrics=compute_metrics(labels, predicted),
        confusion_rates=counts / support,
        mean_probabilities=sums / support,
        bcts=fit_bcts(proba, truth),
    )


def cross_validate(
    texts: list[str],
    labels: list[str],
    *,
    folds: int = 5,
    params: dict | None = None,
    on_fold: Callable[[int], None] = lambda fold: None,
) -> CrossValidation:
    """Return stratified `folds`-fold out-of-fold predictions and their error rates."""
    proba = out_of_fold(texts, labels, folds=folds, params=params, on_fold=on_fold)
    return rates_from_proba(proba, labels)


def train(
    data: LabelledData,
    *,
    test: LabelledData | None = None,
    folds: int = 5,
    params: dict | None = None,
    progress: Callable[[str], None] = lambda message: None,
    on_fold: Callable[[int], None] = lambda fold: None,
    review_precision: float = DEFAULT_TARGET_PRECISION,
) -> TrainResult:
    """Fit the pipeline on `data`; report `folds`-fold CV metrics and metrics on `test`.

    With cross-validation, the review threshold for `review_precision` is chosen from
    the out-of-fold probabilities and stored as ``metadata["review"]``.
    """
    review_precision = check_target_precision(review_precision, "review_precision")
    counts = data.class_counts()
    few = {name: n for name, n in counts.items() if n < max(MIN_PER_CLASS, folds)}
    if few:
        raise InputError(
            f"{data.path}: too few examples of "
            + ", ".join(f"{name!r} ({n})" for name, n in few.items())
            + f"; each label needs at least {max(MIN_PER_CLASS, folds)}"
        )
    params = dict(params or {})
    cv = None
    if folds >= 2:
        progress(f"cross-validating ({folds} folds) on {len(data.texts)} texts")
        cv = cross_validate(data.texts, data.labels, folds=folds, params=params, on_fold=on_fold)
    progress(f"fitting on {len(data.texts)} texts")
    pipeline = fit_pipeline(data.texts, data.labels, params=params)
    model = Model(pipeline=pipeline)
    test_metrics = None
    if test is not None:
        progress(f"evaluating on {len(test.texts)} held-out texts")
        test_metrics = compute_metrics(test.labels, [p.label for p in model.predict(test.texts)])
    balanced = pipeline.named_steps["clf"].class_weight == "balanced"
    prior = (
        np.full(len(LABELS), 1.0 / len(LABELS))
        if balanced
        else np.array([counts[name] for name in LABELS]) / len(data.labels)
    )
    model.metadata = {
        "params": params,
        "training_data": {
            "file": data.path.name,
            "sha256": data.sha256,
            "n": len(data.texts),
            "class_counts": counts,
            "dropped_empty_rows": len(data.dropped_empty),
            "dropped_duplicate_rows": len(data.dropped_duplicates),
            "label_conflicts": len(data.conflicts),
        },
        "metrics": {
            "cv": cv.metrics.to_dict() if cv else None,
            "test": test_metrics.to_dict() if test_metrics else None,
            "test_data": {"file": test.path.name, "sha256": test.sha256} if test else None,
        },
        # What prevalence correction needs (rows: true label, columns: predicted; LABELS order).
        "quantification": {
            **(cv.quantification() if cv else {}),
            "train_prior": prior.round(6).tolist(),
        },
    }
    if cv is not None:
        review = choose_threshold(cv.proba, data.labels, target_precision=review_precision)
        model.metadata["review"] = review.to_dict()
    return TrainResult(
        model=model,
        data=data,
        cv=cv.metrics if cv else None,
        test=test_metrics,
        audit=confident_learning(cv.proba, data.labels) if cv else None,
    )


def train_file(
    path: Path | str,
    *,
    out: Path | str,
    test_path: Path | str | None = None,
    text_col: str = "text",
    label_col: str = "label",
    labels_map: Path | str | None = None,
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
    on_fold: Callable[[int], None] = lambda fold: None,
    review_precision: float = DEFAULT_TARGET_PRECISION,
) -> TrainResult:
    """Read labelled data from `path`, train, and save the model (and its card) to `out`.

    With CV, the label audit is written beside the model as `<stem>.audit.csv`.
    """
    options = {"text_col": text_col, "label_col": label_col, "labels_map": labels_map}
    data = read_labelled(path, **options)
    for note in data.notes():
        progress(note)
    test = read_labelled(test_path, **options) if test_path else None
    result = train(
        data,
        test=test,
        folds=folds,
        progress=progress,
        on_fold=on_fold,
        review_precision=review_precision,
    )
    result.model.save(Path(out))
    if result.audit is not None:
        ids, rows = source_rows(Path(path), data.texts, text_col=text_col)
        result.audit_path = write_audit(
            result.audit, Path(out).with_suffix(".audit.csv"), data.texts, ids, rows
        )
    return result
