"""Label audit: how many deliberately flipped labels confident learning ranks on top.

A stratified sample of data/train.csv (`--n` rows) gets 5% of its labels flipped to
another label at random; the shipped pipeline's out-of-fold probabilities (`--folds`)
go through `confident_learning`, and we count the flipped rows among the top 1x and 2x
as many rows as were flipped, and among the flagged rows. Repeated for `--seeds` seeds.

    python benchmarks/audit.py [--n 2000] [--folds 5] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from classifier import LABELS
from classifier.audit import confident_learning
from classifier.training import out_of_fold

ROOT = Path(__file__).resolve().parents[1]


def run(frame: pd.DataFrame, n: int, folds: int, seed: int) -> dict:
    per_class = n // len(LABELS)
    sample = frame.groupby("label", group_keys=False).sample(per_class, random_state=seed)
    sample = sample.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    flips = rng.choice(len(sample), size=len(sample) // 20, replace=False)
    labels = sample["label"].tolist()
    for i in flips:
        labels[i] = str(rng.choice([x for x in LABELS if x != labels[i]]))
    started = time.perf_counter()
    proba = out_of_fold(sample["text"].tolist(), labels, folds=folds)
    audit = confident_learning(proba, labels)
    flipped = set(flips.tolist())
    ranked = [r.index for r in audit.rows]
    flagged = {r.index for r in audit.rows if r.flagged}
    right = [r for r in audit.rows[: 2 * len(flips)] if r.index in flipped]
    return {
        "seed": seed,
        "flipped": len(flips),
        "recall_top_1x": len(flipped & set(ranked[: len(flips)])) / len(flips),
        "recall_top_2x": len(flipped & set(ranked[: 2 * len(flips)])) / len(flips),
        "flagged": len(flagged),
        "precision_flagged": len(flagged & flipped) / max(len(flagged), 1),
        "recall_flagged": len(flagged & flipped) / len(flips),
        "suggested_right": np.mean([r.suggested == sample.loc[r.index, "label"] for r in right]),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    frame = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)
    results = pd.DataFrame([run(frame, args.n, args.folds, s) for s in range(args.seeds)])
    print(results.round(3).to_string(index=False))
    print("\nmean:")
    print(results.drop(columns="seed").mean().round(3).to_string())


if __name__ == "__main__":
    main()
