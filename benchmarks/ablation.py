"""What each modelling choice buys: 5-fold CV on data/train.csv and transfer to real texts.

    python benchmarks/ablation.py [--external-sample 6000]

The real texts are the St Petersburg portal complaints in ../shared/external (housing,
roads and waste only; skipped when absent), scored over those three labels.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sklearn.model_selection import StratifiedKFold, cross_val_predict

from classifier import Model, build_pipeline, compute_metrics, read_labelled

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "lemmas + characters, balanced class weights": {"embeddings": 0.0, "class_weight": "balanced"},
    "+ navec channel": {"embeddings": 0.5, "class_weight": "balanced"},
    "prior-following class weights": {"embeddings": 0.0, "class_weight": None},
    "both (shipped defaults)": {},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external-sample", type=int, default=6000)
    args = parser.parse_args()
    from external_transfer import load_external

    data = read_labelled(ROOT / "data" / "train.csv")
    external = load_external()
    if external is not None and args.external_sample:
        external = external.sample(min(args.external_sample, len(external)), random_state=0)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    print(
        "| variant | CV macro-F1 | CV F1 ecology | CV F1 other | real texts macro-F1 |\n"
        "|---|---|---|---|---|"
    )
    for name, params in VARIANTS.items():
        predicted = cross_val_predict(
            build_pipeline(**params), data.texts, data.labels, cv=folds, n_jobs=2
        )
        cv = compute_metrics(data.labels, list(predicted))
        real = "skipped"
        if external is not None:
            model = Model(pipeline=build_pipeline(**params).fit(data.texts, data.labels))
            labels = ("housing", "roads", "waste")
            guesses = [p.label for p in model.predict(external["text"].tolist())]
            real = f"{compute_metrics(external['label'].tolist(), guesses, labels=labels).macro_f1:.3f}"
        rare = " | ".join(f"{cv.per_class[label].f1:.3f}" for label in ("ecology", "other"))
        print(f"| {name} | {cv.macro_f1:.3f} | {rare} | {real} |", flush=True)


if __name__ == "__main__":
    main()
