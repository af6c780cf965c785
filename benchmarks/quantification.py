"""How close each share estimate comes to the truth on samples with known, skewed shares.

Samples of `--size` appeals with random label shares are drawn from the held-out
data/test.csv (or, with --external, from the real St Petersburg portal texts in
../shared/external: housing, roads and waste only); each method estimates the
shares with the shipped model's stored cross-validation rates. Prints the mean
absolute error per label and its ratio to naive counting (CC).

    python benchmarks/quantification.py [--samples 200] [--size 600] [--external]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from classifier import LABELS, load_model, read_labelled
from classifier.quantify import Rates, skewed_sample_errors

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--size", type=int, default=600)
    parser.add_argument("--external", action="store_true", help="sample the real texts")
    args = parser.parse_args()
    model = load_model(args.model)
    if args.external:
        from external_transfer import load_external

        frame = load_external()
        if frame is None:
            print("skipped: no external data")
            return
        texts, labels, source = frame["text"].tolist(), frame["label"].tolist(), "external"
    else:
        test = read_labelled(ROOT / "data" / "test.csv")
        texts, labels, source = test.texts, test.labels, "data/test.csv"
    rates = Rates.from_metadata(model.metadata["quantification"])
    proba = model.predict_proba(texts)
    truth = np.array([LABELS.index(label) for label in labels])
    result = skewed_sample_errors(
        proba, truth, rates, n_samples=args.samples, sample_size=args.size
    )
    cc = result.mean_abs_error["cc"]
    print(f"{args.samples} samples of {args.size} appeals from {source}, Dirichlet(1) label shares")
    print("| method | mean abs. error per label (pp) | vs naive count | worst sample (pp) |")
    print("|---|---|---|---|")
    for method, error in result.mean_abs_error.items():
        worst = result.worst_abs_error[method]
        print(f"| {method} | {error * 100:.2f} | {error / cc:.2f}x | {worst * 100:.2f} |")


if __name__ == "__main__":
    main()
