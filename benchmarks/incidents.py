"""Incident grouping: pairwise precision and recall on the planted set, and run time on 60,000 appeals.

The planted set (tests/planted_incidents.py) is 29 appeals in 13 true incidents:
paraphrases of one problem at one address, the same problem at other addresses or in
another town, another problem at the same address, the same problem again after the
window. Its figures are given with the true categories (the grouping alone) and with
the shipped model's predicted categories (what `appeals incidents` does), for several
similarity thresholds.

The cost: the texts of data/train.csv repeated to `--n` appeals, each with a random
time in 30 days and, for half of them, a street and house drawn from 400 addresses
added in front (so blocks of one category and address hold ~n / 2 / 400 / 5 appeals
and many pairs are compared). Classification and grouping are timed separately.

    python benchmarks/incidents.py [--n 60000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier import LABELS, load  # noqa: E402
from classifier.incidents import group_incidents  # noqa: E402
from tests.test_incidents import pairwise, planted  # noqa: E402

STREETS = ["Ленина", "Пушкина", "Садовая", "Гагарина", "Мира", "Советская", "Горная", "Лесная"]


def planted_figures(model) -> None:
    frame = planted()
    predicted = [LABELS[k] for k in model.predict_proba(frame["text"].tolist()).argmax(axis=1)]
    agree = np.mean([p == c for p, c in zip(predicted, frame["category"])])
    print(
        f"planted set: {len(frame)} appeals, {frame['group'].nunique()} incidents; "
        f"shipped model agrees with the planted category on {agree:.0%}"
    )
    print("| threshold | categories | pairwise precision | pairwise recall |")
    print("|---|---|---|---|")
    for threshold in (0.1, 0.15, 0.2, 0.25, 0.3):
        for name, cats in (("true", frame["category"].tolist()), ("predicted", predicted)):
            result = group_incidents(frame["text"], cats, frame["date"], threshold=threshold)
            p, r = pairwise(frame["group"].tolist(), result.incident)
            print(f"| {threshold} | {name} | {p:.2f} | {r:.2f} |")


def cost(model, n: int) -> None:
    texts = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)["text"]
    rng = np.random.default_rng(0)
    base = texts.sample(n, replace=True, random_state=0).tolist()
    addresses = [f"ул. {s} {h}" for s in STREETS for h in range(1, 51)]
    texts = [
        f"{addresses[rng.integers(len(addresses))]}. {t}" if rng.random() < 0.5 else t for t in base
    ]
    start = pd.Timestamp("2026-10-01")
    dates = [str(start + pd.Timedelta(seconds=int(s))) for s in rng.integers(0, 30 * 86400, n)]
    t0 = time.perf_counter()
    proba = model.predict_proba(texts)
    t1 = time.perf_counter()
    categories = [LABELS[k] for k in proba.argmax(axis=1)]
    result = group_incidents(texts, categories, dates)
    t2 = time.perf_counter()
    sizes = np.array([i.size for i in result.incidents])
    print(
        f"\n{n} appeals: classify {t1 - t0:.1f} s, group {t2 - t1:.1f} s "
        f"({n / (t2 - t1):.0f} appeals/s); {len(sizes)} incidents, "
        f"{int(sizes[sizes > 1].sum())} appeals in incidents of 2+, largest {sizes.max()}"
    )
    for note in result.notes:
        print("note:", note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60_000)
    args = parser.parse_args()
    model = load()
    planted_figures(model)
    cost(model, args.n)


if __name__ == "__main__":
    main()
