"""Transfer to real appeals: macro-F1 on the St Petersburg portal texts in ../shared/external.

Those texts may not enter the project; this script reads them at run time only and
prints numbers. Only their clean (non-ambiguous) rows with housing, roads and waste
labels are scored, each distinct text once.

    python benchmarks/external_transfer.py [--model models/appeals.joblib]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from classifier import compute_metrics, load_model

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "external"
LABELS = ("housing", "roads", "waste")


def load_external(root: Path = EXTERNAL) -> pd.DataFrame | None:
    """Return the clean, de-duplicated external rows, or None when the data is absent."""
    files = sorted(root.rglob("*_parsed.csv")) if root.exists() else []
    if not files:
        return None
    frame = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    frame = frame[(frame["ambiguous"] == "0") & frame["label"].isin(LABELS)]
    frame = frame[frame["text"].str.strip() != ""]
    return frame.drop_duplicates("text")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--min-words", type=int, default=1)
    args = parser.parse_args()
    frame = load_external()
    if frame is None:
        print(f"skipped: no external data under {EXTERNAL}")
        return 0
    frame = frame[frame["text"].str.split().str.len() >= args.min_words]
    model = load_model(args.model)
    predicted = [p.label for p in model.predict(frame["text"].tolist())]
    metrics = compute_metrics(frame["label"].tolist(), predicted, labels=LABELS)
    share_other = sum(p not in LABELS for p in predicted) / len(predicted)
    print(f"external (St Petersburg portal, clean rows, min {args.min_words} words): n={metrics.n}")
    print(
        f"macro-F1 over {', '.join(LABELS)}: {metrics.macro_f1:.3f}; accuracy {metrics.accuracy:.3f}"
    )
    print(f"predicted outside these labels (ecology/other): {share_other:.1%}")
    print(metrics.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
