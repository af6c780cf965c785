"""Print the statistics of the labelled corpus that data/README.md reports.

python scripts/corpus_stats.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from classifier import LABELS

DATA = Path(__file__).resolve().parents[1] / "data"


def main() -> None:
    frames = {
        name: pd.read_csv(DATA / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("train", "test")
    }
    print("| split | texts | " + " | ".join(LABELS) + " | batches |")
    print("|---" * (len(LABELS) + 3) + "|")
    for name, frame in frames.items():
        counts = frame["label"].value_counts()
        cells = " | ".join(str(counts.get(label, 0)) for label in LABELS)
        print(f"| {name} | {len(frame)} | {cells} | {frame['source'].nunique()} |")
    both = pd.concat(frames.values(), ignore_index=True)
    print("\n| style | texts | share |\n|---|---|---|")
    for style, n in both["style"].value_counts().items():
        print(f"| {style} | {n} | {n / len(both):.0%} |")
    words = both["text"].str.split().str.len()
    print("\n| length in words | share |\n|---|---|")
    for low, high in ((3, 14), (15, 60), (61, 200)):
        print(f"| {low}–{high} | {words.between(low, high).mean():.0%} |")
    print(f"\nmedian {words.median():.0f} words, min {words.min()}, max {words.max()}")
    emoji = both["text"].str.contains(r"[\U0001F300-\U0001FAFF]", regex=True).mean()
    phones = both["text"].str.contains(r"\d{3}[-\s]?\d{2}[-\s]?\d{2}", regex=True).mean()
    caps = both["text"].str.contains(r"\b[А-ЯЁ]{5,}\b", regex=True).mean()
    print(
        f"texts with emoji {emoji:.0%}, with a phone-like number {phones:.0%}, with a CAPS word {caps:.0%}"
    )

    sample = pd.read_csv(DATA / "sample_appeals_labels.csv", dtype=str)["label"]
    shares = sample.value_counts(normalize=True)
    split = " / ".join(f"{shares.get(label, 0) * 100:.1f}" for label in LABELS)
    print(f"sample_appeals.csv: {len(sample)} appeals, true split {split}% ({', '.join(LABELS)})")


if __name__ == "__main__":
    main()
