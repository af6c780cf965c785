"""Adapting the model to a region: retraining on the base corpus plus an analyst's labelled rows.

The local rows count `weight` times each. One stratified cross-validation runs over
base and local rows together, so each local row is predicted by a model that did not
see it; the stored quantification rates are then the local rows' cross-validated
error rates (weighted by the sampling design), each true label's row shrunk toward
the base rows' rates by `prior_strength` labelled rows. A report with the adapted
model therefore corrects with rates measured on the region's own appeals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.calibration import DEFAULT_PRIOR_STRENGTH
from classifier.data import read_labelled
from classifier.errors import InputError
from classifier.labels import LABELS
from classifier.metrics import Metrics
from classifier.model import Model
from classifier.review import DEFAULT_TARGET_PRECISION, check_target_precision, choose_threshold
from classifier.training import fit_pipeline, out_of_fold, rates_from_proba

DEFAULT_WEIGHT = 3.0


def default_base_corpus() -> Path:
    """Return the project's training corpus, data/train.csv of the source checkout."""
    return Path(__file__).resolve().parent.parent / "data" / "train.csv"


@dataclass
class AdaptResult:
    """The adapted model and what it was built from."""

    model: Model
    n_base: int
    n_local: int
    n_unlabelled: int
    weight: float
    local_cv: Metrics | None
    base_cv: Metrics | None


def shrink_rates(
    local: np.ndarray, support: np.ndarray, prior: np.ndarray, strength: float
) -> np.ndarray:
    """Return each row of `local` mixed with `prior`'s row by `support` against `strength`.

    >>> shrink_rates(np.eye(2), np.array([0, 10]), np.full((2, 2), 0.5), 10).tolist()
    [[0.5, 0.5], [0.25, 0.75]]
    """
    support = np.asarray(support, dtype=float)[:, None]
    return (support * local + strength * prior) / np.maximum(support + strength, 1e-12)


def adapt(
    sheet: Path | str,
    *,
    base: Path | str | None = None,
    weight: float = DEFAULT_WEIGHT,
    model: Model | None = None,
    folds: int = 5,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    progress: Callable[[str], None] = lambda message: None,
    on_fold: Callable[[int], None] = lambda fold: None,
    review_precision: float | None = None,
) -> AdaptResult:
    """Retrain on the `base` corpus plus the labelled rows of `sheet`, weighted by `weight`.

    The review threshold is re-chosen from the local rows' out-of-fold probabilities
    for `review_precision` (default: the base model's target, else 0.95).
    """
    if review_precision is None:
        stored = (model.metadata.get("review") or {}) if model is not None else {}
        review_precision = stored.get("target_precision", DEFAULT_TARGET_PRECISION)
    review_precision = check_target_precision(review_precision, "review_precision")
    from classifier.sheet import read_sheet

    if weight <= 0:
        raise InputError(f"weight must be positive, got {weight}")
    if folds < 2:
        raise InputError(f"folds must be at least 2 to measure the local error rates, got {folds}")
    base_path = Path(base) if base is not None else default_base_corpus()
    if not base_path.exists():
        raise InputError(
            f"base corpus not found: {base_path}; the installed package does not ship the "
            "training corpus: pass base= the path of data/train.csv of the project"
        )
    local = read_sheet(sheet)
    progress(local.note())
    base_data = read_labelled(base_path)
    for note in base_data.notes():
        progress(note)
    rows = local.labelled
    local_texts = [local.texts[i] for i in rows]
    local_labels = [local.labels[i] for i in rows]
    design = local.weights[rows]
    params = dict((model.metadata.get("params") if model is not None else None) or {})
    texts = base_data.texts + local_texts
    labels = base_data.labels + local_labels
    weights = [1.0] * len(base_data.texts) + [weight] * len(local_texts)
    n_base = len(base_data.texts)
    progress(
        f"cross-validating ({folds} folds) on {n_base} base and {len(local_texts)} local texts "
        f"(weight {weight:g})"
    )
    proba = out_of_fold(texts, labels, folds=folds, params=params, weights=weights, on_fold=on_fold)
    base_cv = rates_from_proba(proba[:n_base], base_data.labels)
    local_cv = rates_from_proba(proba[n_base:], local_labels, weights=design)
    support = np.bincount([LABELS.index(name) for name in local_labels], minlength=len(LABELS))
    confusion = shrink_rates(
        local_cv.confusion_rates, support, base_cv.confusion_rates, prior_strength
    )
    mean_proba = shrink_rates(
        local_cv.mean_probabilities, support, base_cv.mean_probabilities, prior_strength
    )
    # Calibration over both: the local rows alone may lack whole labels.
    all_cv = rates_from_proba(proba, labels, weights=weights)
    progress(f"fitting on {len(texts)} texts")
    pipeline = fit_pipeline(texts, labels, params=params, weights=weights)
    adapted = Model(pipeline=pipeline)
    counts = base_data.class_counts()
    for name in local_labels:
        counts[name] += 1
    quant = all_cv.quantification()
    quant.update(
        confusion_rates=confusion.round(6).tolist(),
        mean_probabilities=mean_proba.round(6).tolist(),
        train_prior=(
            np.array([sum(w for w, lab in zip(weights, labels) if lab == name) for name in LABELS])
            / sum(weights)
        )
        .round(6)
        .tolist(),
    )
    sheet_path = Path(sheet)
    adapted.metadata = {
        "params": params,
        "training_data": {
            "file": base_path.name,
            "sha256": base_data.sha256,
            "n": len(texts),
            "class_counts": counts,
            "dropped_empty_rows": len(base_data.dropped_empty),
            "dropped_duplicate_rows": len(base_data.dropped_duplicates),
            "label_conflicts": len(base_data.conflicts),
        },
        "adaptation": {
            "local_file": sheet_path.name,
            "local_sha256": hashlib.sha256(sheet_path.read_bytes()).hexdigest(),
            "local_rows": len(local_texts),
            "unlabelled_rows": local.n_unlabelled,
            "local_class_counts": {name: int(support[i]) for i, name in enumerate(LABELS)},
            "weight": weight,
            "prior_strength": prior_strength,
            "base_model_sha256": (
                model.metadata.get("artifact", {}).get("sha256") if model else None
            ),
        },
        "metrics": {
            "cv": base_cv.metrics.to_dict(),
            "local_cv": local_cv.metrics.to_dict(),
            "test": None,
            "test_data": None,
        },
        "quantification": quant,
        "review": choose_threshold(
            proba[n_base:],
            local_labels,
            target_precision=review_precision,
            weights=design,
            source="local cross-validation",
        ).to_dict(),
    }
    return AdaptResult(
        model=adapted,
        n_base=n_base,
        n_local=len(local_texts),
        n_unlabelled=local.n_unlabelled,
        weight=weight,
        local_cv=local_cv.metrics,
        base_cv=base_cv.metrics,
    )


def adapt_file(
    sheet: Path | str,
    *,
    out: Path | str,
    base: Path | str | None = None,
    weight: float = DEFAULT_WEIGHT,
    model: Model | None = None,
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
    on_fold: Callable[[int], None] = lambda fold: None,
    review_precision: float | None = None,
) -> AdaptResult:
    """Adapt as `adapt` does and save the model with its card to `out`."""
    result = adapt(
        sheet,
        base=base,
        weight=weight,
        model=model,
        folds=folds,
        progress=progress,
        on_fold=on_fold,
        review_precision=review_precision,
    )
    result.model.save(Path(out))
    return result
