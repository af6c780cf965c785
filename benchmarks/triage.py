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
            f"| {target:g} | {chosen.threshold:.3f} | {chosen.coverage:.1%} | "
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


def _labelled(name: str) -> tuple[list[str], list[bool]]:
    frame = pd.read_csv(ROOT / "tests" / "data" / name, dtype=str, keep_default_na=False)
    return frame["text"].tolist(), (frame["urgent"] == "1").tolist()


def urgency_figures() -> None:
    """Print precision and recall of the urgency lexicon on our labelled sets."""
    from classifier.urgency import is_urgent

    for name in ("urgency.csv", "urgency_holdout.csv"):
        texts, truth = _labelled(name)
        found = [is_urgent(t) for t in texts]
        tp = sum(f and y for f, y in zip(found, truth))
        precision = tp / max(sum(found), 1)
        recall = tp / max(sum(truth), 1)
        print(
            f"urgency on {name}: n={len(texts)} ({sum(truth)} urgent), "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )


def pii_figures() -> None:
    """Print masking recall per kind on tests/data/pii.txt and the time per text."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_pii import labelled, recall_per_kind

    from classifier.pii import mask_pii

    recall = recall_per_kind()
    texts = [text for text, _ in labelled()]
    spans = sum(len(gold) for _, gold in labelled())
    print(
        f"masking recall on {len(texts)} texts ({spans} marked spans): "
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(recall.items()))
    )
    for names in (False, True):
        mask_pii(texts[0], names=names)
        start = time.perf_counter()
        for text in texts * 3:
            mask_pii(text, names=names)
        ms = (time.perf_counter() - start) / (3 * len(texts)) * 1000
        print(f"mask_pii {'with names (NER)' if names else 'patterns only'}: {ms:.2f} ms/text")


def latency_figures(model_path: Path | None) -> None:
    """Print the time per text of predict() plain, with urgency, and with explanations."""
    from classifier import load_model

    model = load_model(model_path)
    test_frame = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)
    texts = test_frame["text"].tolist()[:300]
    model.predict(texts[:20], explain=True, urgency=True)
    for label, options in (
        ("predict()", {}),
        ("predict(urgency=True)", {"urgency": True}),
        ("predict(explain=True)", {"explain": True}),
    ):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            model.predict(texts, **options)
            best = min(best, time.perf_counter() - start)
        print(f"{label}: {best / len(texts) * 1000:.2f} ms/text (batch of {len(texts)}, best of 3)")
    start = time.perf_counter()
    for text in texts[:50]:
        model.predict([text], explain=True)
    print(f"predict([one], explain=True): {(time.perf_counter() - start) / 50 * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=float, nargs="+", default=[0.9, 0.95, 0.98, 0.99])
    parser.add_argument("--skip-review", action="store_true")
    parser.add_argument("--model", type=Path, default=None, help="Model for the latency figures.")
    args = parser.parse_args()
    urgency_figures()
    pii_figures()
    latency_figures(args.model)
    if not args.skip_review:
        review_figures(args.targets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
