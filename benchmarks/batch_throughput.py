"""Batch classification speed: appeals/s of `classify_file` with 1 and 2 workers.

Runs on the ~60,000 real appeals of ../shared/external/*/nash_spb_2020_2021_parsed.csv
(read at run time only; nothing from it is written into the project: outputs go to a
temporary folder that is deleted), against a plain pandas loop that calls predict()
row by row. Skips when the file is absent.

    python benchmarks/batch_throughput.py [--baseline-rows 5000] [--synthetic-mb 0]

--synthetic-mb N also classifies a synthetic CSV of about N MB, built from
data/test.csv in the temporary folder, with 1 and 2 workers, and prints this process's
resident memory as it goes: it stays flat however large the file. On a file this size
the workers' start-up (~2 s) weighs little, unlike on the 60,000 real appeals.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import classifier
from classifier.batch import classify_file

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = "nash_spb_2020_2021_parsed.csv"


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text(encoding="utf-8").split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def pandas_loop(path: Path, out: Path, model: classifier.Model, rows: int) -> float:
    """The plain way: read with pandas, predict() each row, write; return rows/s."""
    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=rows)
    results = [classifier.predict(text, model=model) for text in frame["text"]]
    frame["pred_label"] = [r.label for r in results]
    frame["pred_confidence"] = [r.confidence for r in results]
    for name in classifier.LABELS:
        frame[f"pred_p_{name}"] = [r.probabilities[name] for r in results]
    frame.to_csv(out, index=False)
    return len(frame) / (time.perf_counter() - start)


def synthetic_csv(path: Path, megabytes: int) -> int:
    """Write about `megabytes` MB of appeals from data/test.csv; return the row count."""
    texts = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)["text"]
    rng = np.random.default_rng(0)
    rows = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("id,text\n")
        while f.tell() < megabytes * 1e6:
            block = pd.DataFrame(
                {"id": range(rows, rows + 10_000), "text": rng.choice(texts, 10_000)}
            )
            block.to_csv(f, header=False, index=False)
            rows += len(block)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="classify_file throughput vs a pandas loop")
    parser.add_argument("--baseline-rows", type=int, default=5000)
    parser.add_argument("--synthetic-mb", type=int, default=0, help="also a synthetic file")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()

    found = sorted((ROOT.parent / "shared" / "external").glob(f"*/{EXTERNAL}"))
    if not found:
        print(f"skipped: ../shared/external/*/{EXTERNAL} is absent")
        return
    source = found[0]

    # A fresh copy for each run: the lemma cache lives in the model, and a cache
    # warmed by an earlier run would flatter the later ones.
    def fresh() -> classifier.Model:
        return classifier.load_model(args.model)

    cores = os.cpu_count() or 1
    print(f"{source.name}: {source.stat().st_size / 1e6:.0f} MB; {cores} CPUs")

    rows = []
    with tempfile.TemporaryDirectory(prefix="appeals-batch-") as tmp:
        out = Path(tmp) / "out.csv"
        rate = pandas_loop(source, out, fresh(), args.baseline_rows)
        rows.append((f"pandas loop, predict() per row ({args.baseline_rows} rows)", 1, rate))
        for workers in (1, 2):
            result = classify_file(source, out, model=fresh(), workers=workers, prefix="pred_")
            rows.append((f"classify_file, {result.rows} rows", workers, result.rate))
        print("| run | workers | appeals/s | appeals/s per core |")
        print("|---|---|---|---|")
        for name, workers, rate in rows:
            print(f"| {name} | {workers} | {rate:.0f} | {rate / min(workers, cores):.0f} |")

        if args.synthetic_mb:
            big = Path(tmp) / "big.csv"
            n = synthetic_csv(big, args.synthetic_mb)
            print(
                f"\nsynthetic {big.stat().st_size / 1e6:.0f} MB, {n} rows (texts of data/test.csv,"
                " repeated: compare the workers, not the absolute rates)"
            )
            print(
                "| workers | appeals/s | appeals/s per core | resident MB: before, then at 10/50/100% |"
            )
            print("|---|---|---|---|")
            for workers in (1, 2):
                samples: list[float] = []
                before = rss_mb()
                result = classify_file(
                    big,
                    out,
                    model=fresh(),
                    workers=workers,
                    on_progress=lambda _, seen=samples: seen.append(rss_mb()),
                )
                marks = [
                    samples[min(len(samples) - 1, int(q * len(samples)))] for q in (0.1, 0.5, 1)
                ]
                print(
                    f"| {workers} | {result.rate:.0f} | {result.rate / min(workers, cores):.0f} "
                    f"| {before:.0f}, then {', '.join(f'{m:.0f}' for m in marks)} |"
                )


if __name__ == "__main__":
    main()
