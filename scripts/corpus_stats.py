"""Print the statistics of the labelled corpus that data/README.md reports.

python scripts/corpus_stats.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from classifier import LABELS
from classifier.register import is_follow_up, is_formal, opens_with_greeting

DATA = Path(__file__).resolve().parents[1] / "data"
BANDS = ((1, 5), (6, 14), (15, 39), (40, 100), (101, 1000))


def per_class(frame: pd.DataFrame) -> None:
    """Print length, register and follow-ups per label."""
    words = frame["text"].str.split().str.len()
    print(
        "| label | texts | median words | ≤5 words | ≥40 words | >100 words | formal | greeting | follow-up |"
    )
    print("|---" * 9 + "|")
    for label in [*LABELS, None]:
        mask = frame["label"] == label if label else frame["label"].notna()
        w, t = words[mask], frame.loc[mask, "text"]
        print(
            f"| {label or '**all**'} | {mask.sum()} | {w.median():.0f} | {(w <= 5).mean():.1%} | "
            f"{(w >= 40).mean():.1%} | {(w > 100).mean():.1%} | {t.map(is_formal).mean():.0%} | "
            f"{t.map(opens_with_greeting).mean():.0%} | {t.map(is_follow_up).sum()} |"
        )


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
    for name, frame in frames.items():
        print(f"\n{name}: length and register per label")
        per_class(frame)
    both = pd.concat(frames.values(), ignore_index=True)
    print("\n| style | texts | share | " + " | ".join(LABELS) + " |")
    print("|---" * (len(LABELS) + 3) + "|")
    for style, group in both.groupby("style"):
        counts = group["label"].value_counts()
        cells = " | ".join(str(counts.get(label, 0)) for label in LABELS)
        print(f"| {style} | {len(group)} | {len(group) / len(both):.0%} | {cells} |")
    words = both["text"].str.split().str.len()
    print("\n| length in words | share |\n|---|---|")
    for low, high in BANDS:
        label = f"{low}–{high}" if high < 1000 else f"{low}+"
        print(f"| {label} | {words.between(low, high).mean():.1%} |")
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
