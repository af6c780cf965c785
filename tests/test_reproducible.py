"""Training the same data twice gives the same model file, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

SCRIPT = (
    "import sys; from classifier import train_file; "
    "train_file(sys.argv[1], out=sys.argv[2], folds=0)"
)


def test_same_data_same_file(small_train: pd.DataFrame, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    small_train.to_csv(data, index=False)
    digests = []
    for run, seed in enumerate(("1", "2")):
        out = tmp_path / f"run{run}" / "m.joblib"
        env = {**os.environ, "PYTHONHASHSEED": seed}  # string hashing differs between runs
        subprocess.run([sys.executable, "-c", SCRIPT, str(data), str(out)], env=env, check=True)
        meta = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        digests.append(meta["artifact"]["sha256"])
    assert digests[0] == digests[1]
