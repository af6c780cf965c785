from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier import LABELS
from classifier.quantify import (
    DEFAULT_METHOD,
    Rates,
    apply_bcts,
    em_priors,
    estimate_shares,
    fit_bcts,
    point_estimate,
    simplex_solve,
    skewed_sample_errors,
)

CONFUSION = np.array(
    [
        [0.90, 0.02, 0.03, 0.02, 0.03],
        [0.05, 0.90, 0.01, 0.02, 0.02],
        [0.06, 0.01, 0.88, 0.01, 0.04],
        [0.04, 0.03, 0.02, 0.87, 0.04],
        [0.08, 0.02, 0.03, 0.02, 0.85],
    ]
)


@pytest.mark.parametrize(
    "true",
    [
        [0.45, 0.15, 0.13, 0.10, 0.17],
        [0.2, 0.2, 0.2, 0.2, 0.2],
        [0.7, 0.0, 0.1, 0.0, 0.2],
        [0.0, 0.0, 0.0, 1.0, 0.0],
    ],
)
def test_simplex_solve_inverts_the_confusion(true: list[float]) -> None:
    observed = CONFUSION.T @ np.array(true)
    np.testing.assert_allclose(simplex_solve(CONFUSION, observed), true, atol=1e-6)


def test_simplex_solve_stays_on_the_simplex() -> None:
    # Observed shares no true distribution can produce: the answer is still a distribution.
    p = simplex_solve(CONFUSION, np.array([0.0, 0.0, 0.0, 0.0, 1.0]))
    assert (p >= 0).all() and p.sum() == pytest.approx(1.0)


def test_em_recovers_a_shifted_prior() -> None:
    rng = np.random.default_rng(0)
    true_prior = np.array([0.6, 0.1, 0.1, 0.1, 0.1])
    y = rng.choice(5, size=4000, p=true_prior)
    # A signal z with p(z | y) = likelihood[y, z]; a calibrated classifier trained under a
    # uniform prior outputs p(y | z) proportional to likelihood[y, z].
    likelihood = np.full((5, 5), 0.05) + np.eye(5) * 0.75
    z = np.array([rng.choice(5, p=likelihood[label]) for label in y])
    proba = likelihood[:, z].T / likelihood[:, z].T.sum(axis=1, keepdims=True)
    estimate = em_priors(proba, np.full(5, 0.2))
    assert np.abs(estimate - true_prior).max() < 0.05


def test_bootstrap_interval_contains_the_estimate() -> None:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(5), size=300)
    shares = estimate_shares(proba, "cc", n_boot=200)
    assert (shares.low <= shares.estimate + 1e-12).all()
    assert (shares.estimate <= shares.high + 1e-12).all()
    assert shares.estimate.sum() == pytest.approx(1.0)


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        estimate_shares(np.full((3, 5), 0.2), "magic", n_boot=0)


def test_default_correction_beats_naive_counting_on_skewed_samples(
    trained, test_frame: pd.DataFrame
) -> None:
    """Samples with known, skewed label distributions drawn from held-out labelled texts."""
    model = trained.model
    rates = Rates.from_metadata(model.metadata["quantification"])
    proba = model.predict_proba(test_frame["text"].tolist())
    y = np.array([LABELS.index(label) for label in test_frame["label"]])
    result = skewed_sample_errors(proba, y, rates, n_samples=20, sample_size=400)
    mean = result.mean_abs_error
    assert mean[DEFAULT_METHOD] < mean["cc"], mean


def test_bcts_recalibrates_overconfident_posteriors() -> None:
    rng = np.random.default_rng(2)
    calibrated = rng.dirichlet(np.ones(5) * 0.5, size=4000)
    y = np.array([rng.choice(5, p=p) for p in calibrated])
    sharp = calibrated**3 / (calibrated**3).sum(axis=1, keepdims=True)
    fit = fit_bcts(sharp, y)
    assert fit.temperature == pytest.approx(3.0, rel=0.15)
    recalibrated = apply_bcts(sharp, fit.temperature, fit.bias)
    assert np.abs(recalibrated - calibrated).mean() < 0.02


def test_emq_recovers_a_shifted_prior_from_overconfident_posteriors() -> None:
    rng = np.random.default_rng(3)
    # A signal z with p(z | y) = likelihood[y, z]; posteriors under a uniform prior,
    # made overconfident by a power of 3.
    likelihood = np.full((5, 5), 0.08) + np.eye(5) * 0.6

    def posteriors(y: np.ndarray) -> np.ndarray:
        z = np.array([rng.choice(5, p=likelihood[label]) for label in y])
        sharp = likelihood[:, z].T ** 3
        return sharp / sharp.sum(axis=1, keepdims=True)

    source = rng.integers(0, 5, 4000)
    fit = fit_bcts(posteriors(source), source)
    rates = Rates(
        train_prior=np.full(5, 0.2),
        temperature=fit.temperature,
        bias=fit.bias,
        calibrated_prior=fit.prior,
    )
    target_prior = np.array([0.6, 0.1, 0.1, 0.1, 0.1])
    proba = posteriors(rng.choice(5, size=4000, p=target_prior))
    emq = point_estimate(proba, "emq", rates)
    em = point_estimate(proba, "em", rates)
    assert np.abs(emq - target_prior).max() < 0.05
    assert np.abs(emq - target_prior).sum() < np.abs(em - target_prior).sum()


@pytest.mark.parametrize("method", ["acc", "pacc", "emq"])
def test_methods_name_the_rates_they_lack(method: str) -> None:
    with pytest.raises(ValueError, match=f"method {method!r} needs rates"):
        point_estimate(np.full((2, 5), 0.2), method, Rates())
