"""Held-out macro-F1 of a model per style and per length band of data/test.csv.

python scripts/heldout_breakdown.py [--model models/appeals.joblib]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from classifier import compute_metrics, load_model

DATA = Path(__file__).resolve().parents[1] / "data"
BANDS = ((1, 5), (6, 14), (15, 39), (40, 100), (101, 10_000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    test = pd.read_csv(DATA / "test.csv", dtype=str, keep_default_na=False)
    model = load_model(args.model)
    test["predicted"] = [p.label for p in model.predict(test["text"].tolist())]
    words = test["text"].str.split().str.len()
    test["length"] = [
        next(f"{lo}–{hi}" if hi < 10_000 else f"{lo}+" for lo, hi in BANDS if lo <= w <= hi)
        for w in words
    ]
    overall = compute_metrics(test["label"].tolist(), test["predicted"].tolist())
    print(
        f"data/test.csv: n={overall.n}, macro-F1 {overall.macro_f1:.3f}, accuracy {overall.accuracy:.3f}"
    )
    for column, order in (
        ("style", None),
        ("length", [f"{lo}–{hi}" if hi < 10_000 else f"{lo}+" for lo, hi in BANDS]),
        ("source", None),
    ):
        print(f"\n| {column} | texts | macro-F1 | accuracy |\n|---|---|---|---|")
        groups = test.groupby(column)
        for name in order or sorted(groups.groups):
            if name not in groups.groups:
                continue
            g = groups.get_group(name)
            m = compute_metrics(g["label"].tolist(), g["predicted"].tolist())
            print(f"| {name} | {len(g)} | {m.macro_f1:.3f} | {m.accuracy:.3f} |")


if __name__ == "__main__":
    main()
