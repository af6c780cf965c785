"""Triage figures: review-flag coverage and accuracy, urgency, masking, explanation latency.

Trains on data/train.csv with 5-fold cross-validation (the review threshold is chosen
on those out-of-fold probabilities, as `appeals train` does), then measures on the
held-out data/test.csv and on the real St Petersburg portal texts, read at run time
from ../shared/external (nothing derived from them is written). Prints numbers only.

    python benchmarks/triage.py [--targets 0.9 0.95 0.97] [--skip-review]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from external_transfer import LABELS as EXTERNAL_LABELS
from external_transfer import load_external

from classifier.labels import LABELS
from classifier.review import choose_threshold, routed_quality
from classifier.training import cross_validate, fit_pipeline

ROOT = Path(__file__).resolve().parent.parent


def review_figures(targets: list[float]) -> None:
    """Print coverage and routed accuracy per target precision on test and external texts."""
    train_frame = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)
    test_frame = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)
    texts, labels = train_frame["text"].tolist(), train_frame["label"].tolist()
    start = time.perf_counter()
    cv = cross_validate(texts, labels, folds=5)
    pipeline = fit_pipeline(texts, labels)
    print(f"cross-validation and fit on {len(texts)} texts: {time.perf_counter() - start:.0f} s")
    order = [list(pipeline.classes_).index(name) for name in LABELS]
    sets = {"test split": (test_frame["text"].tolist(), test_frame["label"].tolist())}
    external = load_external()
    if external is not None:
        sets["St Petersburg (real)"] = (external["text"].tolist(), external["label"].tolist())
    else:
        print("external texts absent: skipped")
    proba = {name: pipeline.predict_proba(t)[:, order] for name, (t, _) in sets.items()}
    print(
        "| target precision | threshold | CV coverage | "
        + " | ".join(f"{name} coverage | {name} routed accuracy" for name in sets)
        + " |"
    )
    print("|---" * (3 + 2 * len(sets)) + "|")
    for target in targets:
        chosen = choose_threshold(cv.proba, labels, target_precision=target)
        cells = []
        for name, (_, truth) in sets.items():
            p = proba[name]
            correct = np.array([LABELS[i] for i in p.argmax(axis=1)]) == np.array(truth)
            coverage, accuracy = routed_quality(p.max(axis=1), correct, chosen.threshold)
            cells += [f"{coverage:.1%}", f"{accuracy:.3f}"]
        print(
            f"| {target:.2f} | {chosen.threshold:.3f} | {chosen.coverage:.1%} | "
            + " | ".join(cells)
            + " |"
        )
    for name, (_, truth) in sets.items():
        p = proba[name]
        correct = np.array([LABELS[i] for i in p.argmax(axis=1)]) == np.array(truth)
        coverage, accuracy = routed_quality(p.max(axis=1), correct, None)
        print(f"{name}: n={len(truth)}, no threshold: accuracy {accuracy:.3f}")
        conf = p.max(axis=1)
        # For reference only (chosen on the same texts, so not a usable threshold).
        for share in (0.6,):
            cut = np.quantile(conf, 1 - share)
            cov, acc = routed_quality(conf, correct, cut)
            print(f"  {name}: the surest {cov:.0%} have accuracy {acc:.3f} (oracle cut {cut:.3f})")
    if external is not None:
        print(
            f"(external labels scored: {', '.join(EXTERNAL_LABELS)}; other predictions count wrong)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=float, nargs="+", default=[0.85, 0.9, 0.95, 0.97])
    parser.add_argument("--skip-review", action="store_true")
    args = parser.parse_args()
    if not args.skip_review:
        review_figures(args.targets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
