"""The Markdown model card written beside every saved model."""

from __future__ import annotations

from classifier.labels import LABELS, LABELS_RU


def render_model_card(meta: dict) -> str:
    """Return the model card for a model's metadata."""
    data = meta.get("training_data", {})
    metrics = meta.get("metrics", {})
    lines = [
        f"# Model card: {meta.get('artifact', {}).get('file', 'model')}",
        "",
        "Topic classifier for Russian citizen appeals: TF-IDF over lemmas (pymorphy3) and",
        "character n-grams, then logistic regression.",
        "",
        "| | |",
        "|---|---|",
        f"| trained | {meta.get('trained_at', '?')} |",
        f"| training data | `{data.get('file', '?')}`, {data.get('n', '?')} texts, "
        f"sha256 `{str(data.get('sha256', ''))[:16]}…` |",
        f"| dropped rows | {data.get('dropped_empty_rows', 0)} empty, "
        f"{data.get('dropped_duplicate_rows', 0)} duplicate; "
        f"{data.get('label_conflicts', 0)} label conflicts |",
        f"| parameters | `{meta.get('params') or 'defaults'}` |",
        f"| file sha256 | `{meta.get('artifact', {}).get('sha256', '?')}` |",
        "| versions | " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()) + " |",
        "",
        "## Labels and training examples",
        "",
        "| label | name | training texts |",
        "|---|---|---|",
        *(
            f"| `{name}` | {LABELS_RU[name]} | {data.get('class_counts', {}).get(name, '?')} |"
            for name in LABELS
        ),
    ]
    adaptation = meta.get("adaptation")
    if adaptation:
        lines += [
            "",
            "## Adapted to local appeals",
            "",
            f"Retrained on the base corpus plus {adaptation['local_rows']} labelled local rows "
            f"from `{adaptation['local_file']}` (sha256 `{adaptation['local_sha256'][:16]}…`), "
            f"each weighted {adaptation['weight']:g}x; {adaptation['unlabelled_rows']} rows of "
            "that file had no label and were not used. The stored error rates that reports "
            "correct with are the local rows' cross-validated rates, shrunk toward the base "
            f"corpus' rates by {adaptation['prior_strength']:g} rows' worth.",
            "",
            "| label | local rows |",
            "|---|---|",
            *(f"| `{n}` | {adaptation['local_class_counts'].get(n, 0)} |" for n in LABELS),
        ]
    sections = (
        ("cv", "Cross-validated metrics"),
        ("local_cv", "Cross-validated metrics on the local rows"),
        ("test", "Held-out test metrics"),
    )
    for key, title in sections:
        m = metrics.get(key)
        if not m:
            continue
        source = ""
        if key == "test" and metrics.get("test_data"):
            source = f" on `{metrics['test_data']['file']}`"
        lines += [
            "",
            f"## {title}{source}",
            "",
            f"macro-F1 **{m['macro_f1']:.3f}**, accuracy {m['accuracy']:.3f}, n = {m['n']}.",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
            *(
                f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} "
                f"| {c['support']} |"
                for name, c in m["per_class"].items()
            ),
            "",
            "Confusion matrix (rows: true label, columns: predicted):",
            "",
            "| | " + " | ".join(m["labels"]) + " |",
            "|---" * (len(m["labels"]) + 1) + "|",
            *(
                f"| {name} | " + " | ".join(map(str, row)) + " |"
                for name, row in zip(m["labels"], m["confusion"])
            ),
        ]
    lines += review_section(meta.get("review"))
    lines += [
        "",
        "## Limits",
        "",
        "Trained on hand-written appeals; see `data/README.md` for how they were written and",
        "for the transfer measured on real city-portal complaints. Check the confusion matrix",
        "before trusting the shares of a class it often confuses; `appeals report` corrects",
        "shares for these errors.",
        "",
    ]
    return "\n".join(lines)


def review_section(review: dict | None) -> list[str]:
    """Return the model card lines on the review threshold (or on its absence)."""
    if not review:
        return [
            "",
            "## Review flag",
            "",
            "This model has no review threshold: `needs_review` is False for every appeal.",
        ]
    return [
        "",
        "## Review flag",
        "",
        f"Appeals with confidence below **{review['threshold']:.3f}** are flagged "
        "`needs_review`. The threshold was chosen on "
        f"{review.get('source', 'cross-validation')} ({review.get('n', '?')} texts) for a "
        f"precision of {review['target_precision']:.0%} among the appeals routed "
        f"automatically: there it routes {review['coverage']:.1%} of the appeals, "
        f"{review['accuracy']:.1%} of them correctly. On appeals unlike the training "
        "texts both figures are lower (see the README, Triage).",
    ]
