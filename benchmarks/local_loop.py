"""The local loop on real appeals: report error and macro-F1 against the number of local labels.

The real St Petersburg portal texts in ../shared/external stand in for a region's own
appeals (housing, roads and waste only). Read at run time only; nothing is written.

1. Report error: `--months` months of `--size` appeals are drawn with the published
   split (restricted to the three labels the data has, renormalised). For k local labels
   drawn from the month by `appeals sample`'s stratified design, the L1 distance between
   the report's shares and the month's true shares, for naive counting, the default
   correction without labels, and the calibrated report; averaged over months. A second
   table varies the prior strength of the calibration at k = 150.
2. Adaptation: k labelled appeals drawn at random from a pool are added to data/train.csv
   with weight 3 (what `appeals adapt` fits), and macro-F1 is measured on `--eval`
   other real appeals.

    python benchmarks/local_loop.py [--model M] [--months 20] [--size 600] [--eval 5000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from classifier import LABELS, PUBLISHED_SHARES, compute_metrics, load_model, read_labelled
from classifier.adapt import DEFAULT_WEIGHT
from classifier.calibration import DEFAULT_PRIOR_STRENGTH, LocalSample, calibrated_point
from classifier.quantify import DEFAULT_METHOD, Rates, point_estimate
from classifier.sampling import draw_sample
from classifier.training import fit_pipeline

ROOT = Path(__file__).resolve().parents[1]
KS = (0, 50, 100, 150, 200, 500)
STRENGTHS = (0, 2, 5, 10, 20, 50)


def month_errors(proba, truth, rates, *, months, size, ks, strengths, seed=0):
    """Return {(k, strength): [L1 per month]} plus naive and default-method errors."""
    present = np.flatnonzero(np.bincount(truth, minlength=len(LABELS)))
    published = np.array([PUBLISHED_SHARES[name] for name in LABELS])[present]
    published /= published.sum()
    out: dict = {"cc": [], DEFAULT_METHOD: []}
    for m in range(months):
        rng = np.random.default_rng(seed + m)
        counts = rng.multinomial(size, published)
        rows = np.concatenate(
            [
                rng.choice(np.flatnonzero(truth == c), n, replace=False)
                for c, n in zip(present, counts)
            ]
        )
        p, y = proba[rows], truth[rows]
        true_shares = np.bincount(y, minlength=len(LABELS)) / len(y)
        out["cc"].append(np.abs(point_estimate(p, "cc") - true_shares).sum())
        default = point_estimate(p, DEFAULT_METHOD, rates)
        out[DEFAULT_METHOD].append(np.abs(default - true_shares).sum())
        for k in ks:
            if k == 0:
                continue
            design = draw_sample(p, n=k, strategy="stratified", seed=seed + m)
            sample = LocalSample(p[design.rows].argmax(axis=1), y[design.rows], design.weights)
            matched = np.full(len(rows), -1)
            matched[design.rows] = y[design.rows]
            for strength in strengths:
                estimate, _ = calibrated_point(
                    p.argmax(axis=1),
                    matched,
                    sample,
                    rates.confusion,
                    prior_strength=strength,
                    prior_shares=default,
                )
                out.setdefault((k, strength), []).append(np.abs(estimate - true_shares).sum())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--months", type=int, default=40)
    parser.add_argument("--size", type=int, default=600)
    parser.add_argument("--eval", type=int, default=5000)
    parser.add_argument("--no-adapt", action="store_true", help="skip the retraining part")
    args = parser.parse_args()
    from external_transfer import load_external

    frame = load_external()
    if frame is None:
        print("skipped: no external data")
        return
    model = load_model(args.model)
    rates = Rates.from_metadata(model.metadata["quantification"])
    texts, labels = frame["text"].tolist(), frame["label"].tolist()
    truth = np.array([LABELS.index(label) for label in labels])
    proba = model.predict_proba(texts)
    errors = month_errors(
        proba,
        truth,
        rates,
        months=args.months,
        size=args.size,
        ks=KS,
        strengths=sorted({DEFAULT_PRIOR_STRENGTH, *STRENGTHS}),
    )
    mean = {key: float(np.mean(v)) for key, v in errors.items()}
    worst = {key: float(np.max(v)) for key, v in errors.items()}
    print(
        f"{args.months} months of {args.size} real appeals with the published split; "
        "L1 distance of the report's five shares from the truth (mean, worst month)"
    )
    print("| local labels k | report | L1 mean | L1 worst |\n|---|---|---|---|")
    print(f"| 0 | naive count (cc) | {mean['cc']:.3f} | {worst['cc']:.3f} |")
    print(
        f"| 0 | default correction ({DEFAULT_METHOD}) | {mean[DEFAULT_METHOD]:.3f} "
        f"| {worst[DEFAULT_METHOD]:.3f} |"
    )
    for k in KS[1:]:
        key = (k, DEFAULT_PRIOR_STRENGTH)
        print(f"| {k} | calibrated | {mean[key]:.3f} | {worst[key]:.3f} |")
    print("\nprior strength of the calibration at k = 150 (L1 mean):")
    print(
        " | ".join(
            f"{s:g}: {mean[(150, s)]:.3f}" for s in sorted({DEFAULT_PRIOR_STRENGTH, *STRENGTHS})
        )
    )
    if args.no_adapt:
        return
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    eval_rows, pool = order[: args.eval], order[args.eval :]
    eval_texts = [texts[i] for i in eval_rows]
    eval_labels = [labels[i] for i in eval_rows]
    base = read_labelled(ROOT / "data" / "train.csv")
    params = model.metadata.get("params") or {}
    present = sorted(set(labels), key=LABELS.index)
    print(
        f"\nadaptation: base corpus ({len(base.texts)}) + k random real appeals x{DEFAULT_WEIGHT:g}; "
        f"macro-F1 over {', '.join(present)} on {len(eval_rows)} other real appeals"
    )
    print("| k | macro-F1 | accuracy | fit s |\n|---|---|---|---|")
    for k in KS:
        start = time.perf_counter()
        local = pool[:k]
        pipeline = fit_pipeline(
            base.texts + [texts[i] for i in local],
            base.labels + [labels[i] for i in local],
            params=params,
            weights=[1.0] * len(base.texts) + [DEFAULT_WEIGHT] * k,
        )
        predicted = pipeline.predict(eval_texts)
        metrics = compute_metrics(eval_labels, list(predicted), labels=present)
        print(
            f"| {k} | {metrics.macro_f1:.3f} | {metrics.accuracy:.3f} "
            f"| {time.perf_counter() - start:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
