"""Drawing appeals for an analyst to label, with the sampling design kept for unbiased estimates.

Every strategy is a stratified simple random sample: the population (the non-empty
rows of a file) is split into strata, each stratum gets a number of rows, and each
row drawn carries the design weight ``N_h / n_h`` (rows in its stratum over rows drawn
from it), so that weighted sums over the sample estimate sums over the population.

- ``stratified`` (default): strata are the predicted labels, allocated in proportion
  to the square root of their size, so the rare categories are represented while the
  large ones, which carry most of the error in the shares, still get most rows
  (better than equal allocation in benchmarks/local_loop.py).
- ``random``: one stratum, a simple random sample.
- ``uncertain``: strata are four bands of model confidence, the less confident bands
  drawn more heavily (allocation proportional to size times mean uncertainty); for
  labelling rows that teach a retrained model most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRATEGIES = ("stratified", "random", "uncertain")


@dataclass(frozen=True)
class SampleDesign:
    """Which population rows were drawn, their stratum and design weight."""

    rows: np.ndarray
    strata: np.ndarray
    weights: np.ndarray
    strategy: str
    population: int
    seed: int


def allocate(sizes: np.ndarray, n: int, targets: np.ndarray) -> np.ndarray:
    """Return rows to draw per stratum: as close to `targets`' proportions as sizes allow.

    >>> allocate(np.array([100, 3, 50]), 30, np.ones(3)).tolist()
    [14, 3, 13]
    """
    sizes = np.asarray(sizes, dtype=int)
    targets = np.asarray(targets, dtype=float)
    alloc = np.zeros(len(sizes), dtype=int)
    for _ in range(min(n, int(sizes.sum()))):
        open_ = alloc < sizes
        # The stratum furthest below its target share gets the next row; ties go to the first.
        ratio = np.where(open_ & (targets > 0), alloc / np.maximum(targets, 1e-12), np.inf)
        if not np.isfinite(ratio).any():
            ratio = np.where(open_, alloc, np.inf)
        alloc[int(np.argmin(ratio))] += 1
    return alloc


def draw_sample(
    proba: np.ndarray, *, n: int, strategy: str = "stratified", seed: int = 0
) -> SampleDesign:
    """Draw `n` of the rows whose probabilities are `proba`, by `strategy`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    population = len(proba)
    if strategy == "stratified":
        strata = proba.argmax(axis=1)
        names = np.arange(proba.shape[1])
        targets = np.sqrt(np.bincount(strata, minlength=len(names)))
    elif strategy == "random":
        strata = np.zeros(population, dtype=int)
        names = np.array([0])
        targets = np.ones(1)
    else:
        confidence = proba.max(axis=1) if population else np.zeros(0)
        edges = np.quantile(confidence, [0.25, 0.5, 0.75]) if population else np.zeros(3)
        strata = np.searchsorted(edges, confidence, side="right")
        names = np.arange(4)
        targets = np.array(
            [
                (strata == h).sum() * (1 - confidence[strata == h]).mean()
                if (strata == h).any()
                else 0.0
                for h in names
            ]
        )
    sizes = np.array([(strata == h).sum() for h in names])
    alloc = allocate(sizes, n, targets)
    rng = np.random.default_rng(seed)
    rows, weights = [], []
    for h, take in zip(names, alloc):
        if take:
            members = np.flatnonzero(strata == h)
            rows.append(np.sort(rng.choice(members, take, replace=False)))
            weights.append(np.full(take, len(members) / take))
    rows_ = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
    order = np.argsort(rows_, kind="stable")
    return SampleDesign(
        rows=rows_[order],
        strata=strata[rows_][order],
        weights=(np.concatenate(weights) if weights else np.zeros(0))[order],
        strategy=strategy,
        population=population,
        seed=seed,
    )
