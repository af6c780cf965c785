"""Shares corrected with an analyst's labelled sample of the same appeals (or the same source).

The stored error rates come from cross-validation on our corpus; on a region's real
appeals the model errs differently. A small labelled sample measures how: for each
predicted label ``j``, the weighted share of each true label among the sample's rows
predicted ``j`` estimates ``R[j, i] = P(true i | predicted j)`` on these appeals (the
sampling weights keep it unbiased whatever the strategy). Each row of ``R`` is shrunk
toward the stored rates, turned into the same form (``M[i, j] * pi[i]`` normalised,
with ``pi`` the shares the default correction estimates without local labels), by a
Dirichlet prior worth `prior_strength` labelled rows: where the sample says little,
the stored rates speak. Appeals that are in the
sample count with their true label; the others are spread over the true labels by
``R`` from their predicted label. The bootstrap resamples both the appeals and the
labelled sample (within its predicted-label strata); ``pi`` is held fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classifier.errors import InputError
from classifier.labels import LABELS
from classifier.quantify import Shares

# Chosen by benchmarks/local_loop.py on real appeals (not on a test split): with 150
# labels the report's error fell from strength 0 to 20 and was flat within noise beyond;
# the smallest strength near the best keeps many local labels in charge.
DEFAULT_PRIOR_STRENGTH = 20.0
MATCH_MODES = ("auto", "id", "text")


@dataclass(frozen=True)
class LocalSample:
    """The labelled rows of a sheet as the estimator needs them (label indices, `LABELS` order)."""

    predicted: np.ndarray
    truth: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True)
class CalibratedShares:
    """Shares corrected with local labels, with what the report records about them."""

    shares: Shares
    n_local: int
    n_matched: int
    accuracy: float
    prior_strength: float
    match: str


def posterior_rates(
    sample: LocalSample,
    stored: np.ndarray | None,
    prior_shares: np.ndarray,
    *,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> np.ndarray:
    """Return ``R[j, i]``, the estimated share of true label i among appeals predicted j.

    >>> s = LocalSample(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), np.ones(4))
    >>> posterior_rates(s, None, np.array([0.5, 0.5]), prior_strength=0).tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    k = len(prior_shares)
    counts = np.zeros((k, k))
    np.add.at(counts, (sample.predicted, sample.truth), sample.weights)
    n_rows = np.bincount(sample.predicted, minlength=k).astype(float)
    stored = np.eye(k) if stored is None else stored
    prior = stored.T * np.maximum(prior_shares, 1e-6)[None, :]
    prior /= np.maximum(prior.sum(axis=1, keepdims=True), 1e-12)
    totals = counts.sum(axis=1, keepdims=True)
    local = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    mixed = n_rows[:, None] * local + prior_strength * prior
    norm = n_rows[:, None] + prior_strength
    return np.divide(mixed, norm, out=prior.copy(), where=norm > 0)


def calibrated_point(
    predicted: np.ndarray,
    matched_truth: np.ndarray,
    sample: LocalSample,
    stored: np.ndarray | None,
    *,
    prior_strength: float,
    prior_shares: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Return (shares, estimated accuracy) for appeals with predicted labels `predicted`.

    `matched_truth` holds the true label of each appeal that is in the sample, -1 elsewhere;
    `prior_shares` (default: the naive shares) shape the stored rates into the prior.
    """
    k = len(LABELS)
    naive = np.bincount(predicted, minlength=k) / max(len(predicted), 1)
    prior_shares = naive if prior_shares is None else prior_shares
    rates = posterior_rates(sample, stored, prior_shares, prior_strength=prior_strength)
    known = matched_truth >= 0
    rest = np.bincount(predicted[~known], minlength=k).astype(float)
    counts = rates.T @ rest + np.bincount(matched_truth[known], minlength=k)
    total = counts.sum()
    shares = counts / total if total > 0 else np.full(k, np.nan)
    return shares, float(naive @ np.diag(rates))


def calibrated_shares(
    proba: np.ndarray,
    matched_truth: np.ndarray,
    sample: LocalSample,
    stored: np.ndarray | None,
    *,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    prior_shares: np.ndarray | None = None,
    match: str = "id",
    n_boot: int = 1000,
    seed: int = 0,
) -> CalibratedShares:
    """Return the shares of the appeals with probabilities `proba`, corrected by `sample`."""
    if len(sample.truth) == 0:
        raise InputError("the labelled sample has no labelled rows")
    predicted = proba.argmax(axis=1)
    options = {"prior_strength": prior_strength, "prior_shares": prior_shares}
    estimate, accuracy = calibrated_point(predicted, matched_truth, sample, stored, **options)
    low, high = estimate.copy(), estimate.copy()
    if n_boot and len(predicted):
        rng = np.random.default_rng(seed)
        strata = [np.flatnonzero(sample.predicted == j) for j in range(len(LABELS))]
        boots = []
        for _ in range(n_boot):
            rows = rng.integers(0, len(predicted), len(predicted))
            picked = np.concatenate([rng.choice(s, len(s)) for s in strata if len(s)])
            resampled = LocalSample(
                sample.predicted[picked], sample.truth[picked], sample.weights[picked]
            )
            boots.append(
                calibrated_point(
                    predicted[rows],
                    matched_truth[rows],
                    resampled,
                    stored,
                    **options,
                )[0]
            )
        low, high = np.percentile(np.array(boots), [2.5, 97.5], axis=0)
    return CalibratedShares(
        shares=Shares("calibrated", estimate, low, high),
        n_local=len(sample.truth),
        n_matched=int((matched_truth >= 0).sum()),
        accuracy=accuracy,
        prior_strength=prior_strength,
        match=match,
    )


def match_sheet(
    sheet_ids: list[str] | None,
    sheet_texts: list[str],
    data_ids: list[str] | None,
    data_texts: list[str],
    *,
    match: str = "auto",
) -> tuple[np.ndarray, str]:
    """Return, for each data row, the index of its sheet row (-1: not in the sheet), and the mode.

    ``auto`` matches by id when both sides have ids, else by text (white space folded).
    Matching by id when no id matches is an error: the sheet is of other appeals.
    """
    if match not in MATCH_MODES:
        raise ValueError(f"match must be one of {', '.join(MATCH_MODES)}, got {match!r}")
    mode = match
    if mode == "auto":
        mode = "id" if sheet_ids is not None and data_ids is not None else "text"
    if mode == "id":
        if sheet_ids is None or data_ids is None:
            side = "the sheet" if sheet_ids is None else "the data"
            raise InputError(f"match='id' needs an id column in both files; {side} has none")
        keys_sheet, keys_data = sheet_ids, data_ids
    else:
        keys_sheet = [" ".join(t.split()) for t in sheet_texts]
        keys_data = [" ".join(t.split()) for t in data_texts]
    where = {}
    for i, key in enumerate(keys_sheet):
        if key:
            where.setdefault(key, i)
    index = np.array([where.get(key, -1) for key in keys_data], dtype=int)
    if mode == "id" and not (index >= 0).any():
        raise InputError(
            f"none of the sheet's {len(keys_sheet)} ids is an id of the data; is the sheet "
            "from another file? A labelled sample of other appeals from the same source "
            "can be used with match='text'"
        )
    return index, mode
