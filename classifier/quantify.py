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
- EMQ, EM on posteriors recalibrated by bias-corrected temperature scaling (BCTS;
  Alexandari, Kundaje and Shrikumar 2020): a temperature and a bias per class, fitted
  on the cross-validated probabilities at training time, make the posteriors
  calibrated before EM adjusts them.

Solutions are constrained to the simplex (non-negative, summing to one). All arrays
are in `LABELS` order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, nnls

METHODS = ("cc", "pcc", "acc", "pacc", "em", "emq")
# Measured by benchmarks/quantification.py on our held-out texts and on real ones.
DEFAULT_METHOD = "emq"


@dataclass(frozen=True)
class Rates:
    """What the corrections need, measured by cross-validation when the model was trained."""

    confusion: np.ndarray | None = None
    mean_proba: np.ndarray | None = None
    train_prior: np.ndarray | None = None
    temperature: float | None = None
    bias: np.ndarray | None = None
    calibrated_prior: np.ndarray | None = None

    @classmethod
    def from_metadata(cls, stored: dict | None) -> Rates:
        """Read the `quantification` entry of a model's metadata (missing entries stay None)."""
        stored = stored or {}

        def array(key: str) -> np.ndarray | None:
            value = stored.get(key)
            return np.asarray(value, dtype=float) if value else None

        bcts = stored.get("bcts") or {}
        return cls(
            confusion=array("confusion_rates"),
            mean_proba=array("mean_probabilities"),
            train_prior=array("train_prior"),
            temperature=float(bcts["temperature"]) if bcts.get("temperature") else None,
            bias=np.asarray(bcts["bias"], dtype=float) if bcts.get("bias") else None,
            calibrated_prior=np.asarray(bcts["prior"], dtype=float) if bcts.get("prior") else None,
        )

    def missing_for(self, method: str) -> str | None:
        """Return what `method` needs and these rates lack, or None."""
        needs = {
            "acc": ("confusion",),
            "pacc": ("mean_proba",),
            "em": ("train_prior",),
            "emq": ("temperature", "bias", "calibrated_prior"),
        }.get(method, ())
        lacking = [name for name in needs if getattr(self, name) is None]
        return ", ".join(lacking) or None


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


def apply_bcts(proba: np.ndarray, temperature: float, bias: np.ndarray) -> np.ndarray:
    """Return posteriors recalibrated as ``softmax(log(proba) / temperature + bias)``."""
    logits = np.log(np.clip(proba, 1e-12, 1.0)) / temperature + bias
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class BCTS:
    """A fitted bias-corrected temperature scaling and the mean calibrated posterior."""

    temperature: float
    bias: np.ndarray
    prior: np.ndarray


def fit_bcts(proba: np.ndarray, truth: np.ndarray) -> BCTS:
    """Fit a temperature and per-class biases minimising the log loss of held-out posteriors.

    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 600)
    >>> sharp = np.full((600, 3), 0.01); sharp[np.arange(600), y] = 0.98
    >>> sharp[:150] = sharp[:150][:, [1, 2, 0]]  # a quarter confidently wrong
    >>> fit_bcts(sharp, y).temperature > 1  # overconfident posteriors get softened
    True
    """
    k = proba.shape[1]
    log_p = np.log(np.clip(proba, 1e-12, 1.0))
    onehot = np.eye(k)[truth]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        inv_t, bias = np.exp(params[0]), params[1:]
        logits = log_p * inv_t + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_q = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        q = np.exp(log_q)
        diff = q - onehot
        grad_inv_t = float((diff * log_p).sum()) * inv_t
        return float(-(onehot * log_q).sum()), np.concatenate([[grad_inv_t], diff.sum(axis=0)])

    result = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B")
    temperature = float(np.exp(-result.x[0]))
    bias = result.x[1:] - result.x[1:].mean()
    prior = apply_bcts(proba, temperature, bias).mean(axis=0)
    return BCTS(temperature=temperature, bias=bias, prior=prior)


def point_estimate(proba: np.ndarray, method: str, rates: Rates | None = None) -> np.ndarray:
    """Return the estimated shares for one set of predicted probabilities."""
    rates = rates or Rates()
    k = proba.shape[1]
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    lacking = rates.missing_for(method)
    if lacking:
        raise ValueError(
            f"method {method!r} needs rates the model does not store ({lacking}); "
            "retrain the model with folds >= 2"
        )
    if len(proba) == 0:
        return np.full(k, np.nan)
    if method == "cc":
        return np.bincount(proba.argmax(axis=1), minlength=k) / len(proba)
    if method == "pcc":
        return proba.mean(axis=0)
    if method == "acc":
        observed = np.bincount(proba.argmax(axis=1), minlength=k) / len(proba)
        return simplex_solve(rates.confusion, observed)
    if method == "pacc":
        return simplex_solve(rates.mean_proba, proba.mean(axis=0))
    if method == "em":
        return em_priors(proba, rates.train_prior)
    calibrated = apply_bcts(proba, rates.temperature, rates.bias)
    return em_priors(calibrated, rates.calibrated_prior)


def estimate_shares(
    proba: np.ndarray,
    method: str = DEFAULT_METHOD,
    rates: Rates | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> Shares:
    """Return the shares by `method` and a 95% percentile bootstrap interval over appeals."""
    estimate = point_estimate(proba, method, rates)
    if len(proba) == 0 or n_boot == 0:
        return Shares(method, estimate, estimate.copy(), estimate.copy())
    rng = np.random.default_rng(seed)
    boots = np.array(
        [
            point_estimate(proba[rng.integers(0, len(proba), len(proba))], method, rates)
            for _ in range(n_boot)
        ]
    )
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    return Shares(method, estimate, low, high)


@dataclass(frozen=True)
class SimulationResult:
    """Mean absolute error per label of each method over samples with known shares."""

    mean_abs_error: dict[str, float]
    worst_abs_error: dict[str, float]
    n_samples: int
    sample_size: int


def skewed_samples(
    truth: np.ndarray, k: int, *, n_samples: int, sample_size: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (row indices, true shares) of samples with random (Dirichlet(1)) label shares."""
    # Only labels with texts can be drawn; the others keep a true share of zero.
    present = np.flatnonzero(np.bincount(truth, minlength=k))
    out = []
    for i in range(n_samples):
        rng = np.random.default_rng(seed + i)
        counts = np.zeros(k, dtype=int)
        counts[present] = rng.multinomial(sample_size, rng.dirichlet(np.ones(len(present))))
        rows = np.concatenate(
            [
                rng.choice(np.flatnonzero(truth == c), n, replace=True)
                for c, n in enumerate(counts)
                if n
            ]
        )
        out.append((rows, counts / sample_size))
    return out


def skewed_sample_errors(
    proba: np.ndarray,
    truth: np.ndarray,
    rates: Rates,
    *,
    methods: tuple[str, ...] = METHODS,
    n_samples: int = 20,
    sample_size: int = 400,
    seed: int = 0,
) -> SimulationResult:
    """Draw samples with random label shares from labelled texts and score each method.

    `proba` holds predicted probabilities of labelled texts, `truth` their label indices.
    """
    errors: dict[str, list[float]] = {m: [] for m in methods}
    samples = skewed_samples(
        truth, proba.shape[1], n_samples=n_samples, sample_size=sample_size, seed=seed
    )
    for rows, shares in samples:
        for method in methods:
            estimate = point_estimate(proba[rows], method, rates)
            errors[method].append(float(np.abs(estimate - shares).mean()))
    return SimulationResult(
        {m: float(np.mean(e)) for m, e in errors.items()},
        {m: float(np.max(e)) for m, e in errors.items()},
        n_samples,
        sample_size,
    )
