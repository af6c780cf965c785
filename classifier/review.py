"""The review flag: a confidence threshold chosen for a target precision of routed appeals.

An appeal whose top probability is at least the threshold is routed automatically;
one below it ``needs_review``. The threshold is chosen from held-out (cross-validated)
probabilities at training time as the lowest confidence at which the appeals routed
automatically are still right at least ``target_precision`` of the time, and stored in
the model metadata as plain data (``metadata["review"]``). A model without that entry
flags nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from classifier.errors import InputError
from classifier.labels import LABELS

# 0.95 routed 99.9% of real appeals at accuracy 0.92: a flag that flags nothing. 0.99 routed
# 83% of them at 0.97 (benchmarks/triage.py), above the 60% at 0.90 asked for.
DEFAULT_TARGET_PRECISION = 0.99
# Fewer routed rows than this make a precision estimate too noisy to trust.
MIN_ROUTED = 20


@dataclass(frozen=True)
class ReviewThreshold:
    """The chosen threshold and what it gave on the held-out rows it was chosen on."""

    threshold: float
    target_precision: float
    coverage: float
    accuracy: float
    n: int
    source: str = "cross-validation"

    def to_dict(self) -> dict:
        """Return the JSON-ready entry stored as ``metadata["review"]``."""
        out = asdict(self)
        for key in ("threshold", "coverage", "accuracy"):
            out[key] = round(out[key], 6)
        return out


def check_target_precision(target_precision: float, name: str = "target_precision") -> float:
    """Return `target_precision` as a float; raise `InputError` (naming `name`) outside (0, 1)."""
    try:
        value = float(target_precision)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {target_precision!r}") from None
    if not 0.0 < value < 1.0:
        raise InputError(f"{name} must be between 0 and 1, got {target_precision}")
    return value


def choose_threshold(
    proba: np.ndarray,
    labels: Sequence[str],
    *,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    weights: Sequence[float] | None = None,
    source: str = "cross-validation",
) -> ReviewThreshold:
    """Return the lowest confidence threshold whose routed rows reach `target_precision`.

    `proba` holds held-out probabilities in `LABELS` order, one row per text of
    `labels`; `weights` (one per row, default 1) weight the rows. When no threshold
    routing at least `MIN_ROUTED` rows reaches the target, the threshold is 1.0 (only
    certain predictions are routed), and coverage and accuracy say what that gives.
    """
    target = check_target_precision(target_precision)
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape != (len(labels), len(LABELS)):
        raise InputError(
            f"proba must have one row per label and {len(LABELS)} columns, got {proba.shape}"
        )
    if not len(labels):
        raise InputError("labels is empty: a review threshold needs held-out rows")
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float)
    truth = np.array([LABELS.index(name) for name in labels])
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == truth).astype(float)
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    hits = np.cumsum(correct[order] * w[order])
    mass = np.cumsum(w[order])
    precision = hits / np.maximum(mass, 1e-12)
    # Only the last row of a run of equal confidences is a possible cut.
    last_of_run = np.append(conf_sorted[1:] < conf_sorted[:-1], True)
    ok = last_of_run & (precision >= target) & (np.arange(1, len(order) + 1) >= MIN_ROUTED)
    total = float(w.sum())
    if ok.any():
        k = int(np.flatnonzero(ok).max())
        threshold = float(conf_sorted[k])
        coverage, accuracy = float(mass[k] / total), float(precision[k])
    else:
        threshold = 1.0
        routed = confidence >= threshold
        coverage = float(w[routed].sum() / total)
        accuracy = float((correct * w)[routed].sum() / max(w[routed].sum(), 1e-12))
    return ReviewThreshold(
        threshold=threshold,
        target_precision=target,
        coverage=coverage,
        accuracy=accuracy,
        n=len(labels),
        source=source,
    )


def review_threshold(metadata: dict | None) -> float | None:
    """Return the stored review threshold of a model's metadata, or None when it has none."""
    entry = (metadata or {}).get("review")
    if not isinstance(entry, dict) or entry.get("threshold") is None:
        return None
    return float(entry["threshold"])


def needs_review(confidence: np.ndarray | float, threshold: float | None):
    """Return True where `confidence` is below `threshold`; all False when it is None."""
    if threshold is None:
        return np.zeros(np.shape(confidence), dtype=bool) if np.ndim(confidence) else False
    result = np.asarray(confidence) < threshold
    return result if np.ndim(confidence) else bool(result)


def routed_quality(
    confidence: np.ndarray, correct: np.ndarray, threshold: float | None
) -> tuple[float, float]:
    """Return (coverage, accuracy of the routed rows) at `threshold` (None: all routed)."""
    routed = ~needs_review(np.asarray(confidence), threshold)
    coverage = float(routed.mean()) if len(routed) else 0.0
    accuracy = float(np.asarray(correct)[routed].mean()) if routed.any() else float("nan")
    return coverage, accuracy
