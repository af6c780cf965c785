"""Rebuild the shipped model from data/: `python train.py` (extra `appeals train` options pass through)."""

from __future__ import annotations

import sys
from pathlib import Path

from classifier.cli import app

ROOT = Path(__file__).resolve().parent

if __name__ == "__main__":
    app(
        [
            "train",
            str(ROOT / "data" / "train.csv"),
            "--test",
            str(ROOT / "data" / "test.csv"),
            "--out",
            str(ROOT / "models" / "appeals.joblib"),
            *sys.argv[1:],
        ]
    )
