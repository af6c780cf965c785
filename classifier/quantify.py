"""Estimating the share of each label in a set of appeals, corrected for classifier error.

Counting predicted labels (classify and count, CC) is biased whenever the classifier
errs: a class it often confuses gets too many or too few appeals. The corrections:

- ACC, adjusted classify and count (Forman 2005, 2008): the expected predicted shares
  are ``q = M.T @ p``, where ``M[i, j]`` is the rate of predicting j for true class i,
  measured by cross-validation at training time; solve for the true shares ``p``.
- PACC, its probabilistic form (Bella et al. 2010): the same with mean predicted
  probabilities instead of counts.
- EM (Saerens, Latinne and Decaestecker 2002): re-estimate the class priors and the
  posteriors together until they agree.

Solutions are constrained to the simplex (non-negative, summing to one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

METHODS = ("cc", "pcc", "acc", "pacc", "em")


@dataclass(frozen=True)
class Shares:
    """Estimated shares per label with a bootstrap interval (all in label order)."""

    method: str
    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray


def simplex_solve(matrix: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Return p >= 0 with sum 1 that best fits ``matrix.T @ p = observed``.

    >>> m = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> simplex_solve(m, m.T @ np.array([0.3, 0.7])).round(6).tolist()
    [0.3, 0.7]
    """
    k = matrix.shape[0]
    # The sum-to-one constraint as a heavily weighted extra equation.
    weight = 1e3
    a = np.vstack([matrix.T, np.full((1, k), weight)])
    b = np.concatenate([observed, [weight]])
    p, _ = nnls(a, b)
    total = p.sum()
    return p / total if total > 0 else np.full(k, 1.0 / k)


def em_priors(
    proba: np.ndarray,
    train_prior: np.ndarray,
    *,
    max_iter: int = 1000,
    tol: float = 1e-8,
) -> np.ndarray:
    """Return class priors re-estimated by EM from posteriors fitted under `train_prior`."""
    prior = train_prior.copy()
    for _ in range(max_iter):
        adjusted = proba * (prior / train_prior)
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        new = adjusted.mean(axis=0)
        if np.abs(new - prior).max() < tol:
            return new
        prior = new
    return prior


def point_estimate(
    proba: np.ndarray,
    method: str,
    *,
    confusion: np.ndarray | None = None,
    mean_proba: np.ndarray | None = None,
    train_prior: np.ndarray | None = None,
) -> np.ndarray:
    """Return the estimated shares for one set of predicted probabilities."""
    k = proba.shape[1]
    if method == "cc":
        return np.bincount(proba.argmax(axis=1), minlength=k) / len(proba)
    if method == "pcc":
        return proba.mean(axis=0)
    if method == "acc":
        observed = np.bincount(proba.argmax(axis=1), minlength=k) / len(proba)
        return simplex_solve(_required(confusion, "acc"), observed)
    if method == "pacc":
        return simplex_solve(_required(mean_proba, "pacc"), proba.mean(axis=0))
    if method == "em":
        return em_priors(proba, _required(train_prior, "em"))
    raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


def estimate_shares(
    proba: np.ndarray,
    method: str = "acc",
    *,
    confusion: np.ndarray | None = None,
    mean_proba: np.ndarray | None = None,
    train_prior: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> Shares:
    """Return the shares by `method` and a 95% percentile bootstrap interval over appeals."""
    kwargs = {"confusion": confusion, "mean_proba": mean_proba, "train_prior": train_prior}
    estimate = point_estimate(proba, method, **kwargs)
    if len(proba) == 0 or n_boot == 0:
        return Shares(method, estimate, estimate.copy(), estimate.copy())
    rng = np.random.default_rng(seed)
    boots = np.array(
        [
            point_estimate(proba[rng.integers(0, len(proba), len(proba))], method, **kwargs)
            for _ in range(n_boot)
        ]
    )
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    return Shares(method, estimate, low, high)


def _required(value: np.ndarray | None, method: str) -> np.ndarray:
    if value is None:
        raise ValueError(
            f"method {method!r} needs cross-validation rates stored with the model; "
            "retrain the model with folds >= 2"
        )
    return np.asarray(value, dtype=float)


@dataclass(frozen=True)
class SimulationResult:
    """Mean absolute error per label of each method over samples with known shares."""

    mean_abs_error: dict[str, float]
    n_samples: int
    sample_size: int


def skewed_sample_errors(
    proba: np.ndarray,
    truth: np.ndarray,
    *,
    methods: tuple[str, ...] = METHODS,
    n_samples: int = 20,
    sample_size: int = 400,
    seed: int = 0,
    **rates: np.ndarray | None,
) -> SimulationResult:
    """Draw samples with random (Dirichlet) label shares from labelled texts and score each method.

    `proba` holds predicted probabilities of labelled texts, `truth` their label indices.
    """
    k = proba.shape[1]
    # Only labels with texts can be drawn; the others keep a true share of zero.
    present = np.flatnonzero(np.bincount(truth, minlength=k))
    errors: dict[str, list[float]] = {m: [] for m in methods}
    for i in range(n_samples):
        rng = np.random.default_rng(seed + i)
        counts = np.zeros(k, dtype=int)
        counts[present] = rng.multinomial(sample_size, rng.dirichlet(np.ones(len(present))))
        sample = np.concatenate(
            [
                rng.choice(np.flatnonzero(truth == c), n, replace=True)
                for c, n in enumerate(counts)
                if n
            ]
        )
        for method in methods:
            estimate = point_estimate(proba[sample], method, **rates)
            errors[method].append(float(np.abs(estimate - counts / sample_size).mean()))
    return SimulationResult(
        {m: float(np.mean(e)) for m, e in errors.items()}, n_samples, sample_size
    )
