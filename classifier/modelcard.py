"""The Markdown model card written beside every saved model: Russian by default, English on request."""

from __future__ import annotations

from classifier.i18n import DEFAULT_LANG, category_name, check_lang, decimal, number, percent
from classifier.labels import LABELS

_WORDS = {
    "ru": {
        "title": "Карточка модели",
        "about": "Классификатор тем обращений граждан на русском языке: TF-IDF по леммам "
        "(pymorphy3) и символьным n-граммам, затем логистическая регрессия.",
        "trained": "обучена",
        "data": "обучающие данные",
        "texts": "текстов",
        "dropped": "отброшено строк",
        "dropped_text": "{empty} пустых, {dup} повторов; {conflicts} противоречивых меток",
        "params": "параметры",
        "defaults": "по умолчанию",
        "sha": "sha256 файла",
        "versions": "версии",
        "labels": "Категории и обучающие примеры",
        "labels_head": ("код", "категория", "обучающих текстов"),
        "adapted": "Дообучена на местных обращениях",
        "adapted_text": "Обучена на базовом корпусе и {rows} размеченных местных строках из "
        "`{file}` (sha256 `{sha}…`), каждая с весом {weight}; {unlabelled} строк этого файла "
        "без метки не использованы. Частоты ошибок, по которым отчёты исправляют доли, — "
        "частоты на местных строках (перекрёстная проверка), сдвинутые к частотам базового "
        "корпуса с силой {strength} строк.",
        "local_head": ("код", "местных строк"),
        "cv": "Перекрёстная проверка",
        "local_cv": "Перекрёстная проверка на местных строках",
        "test": "Отложенная тестовая выборка",
        "on": " на `{file}`",
        "metrics": "macro-F1 **{f1}**, доля верных ответов {acc}, n = {n}.",
        "metrics_head": ("код", "точность", "полнота", "F1", "примеров"),
        "confusion": "Матрица ошибок (строки: истинная категория, столбцы: предсказанная):",
        "review": "Флаг проверки",
        "no_review": "У этой модели нет порога проверки: `needs_review` ложен для всех обращений.",
        "review_text": "Обращения с уверенностью ниже **{threshold}** получают флаг "
        "`needs_review`. Порог выбран на {source} ({n} текстов) так, чтобы среди обращений, "
        "направляемых автоматически, точность была {target}: там автоматически направляется "
        "{coverage} обращений, из них верно — {accuracy}. На обращениях, непохожих на "
        "обучающие тексты, обе величины ниже (README, раздел Triage).",
        "cross_validation": "перекрёстной проверке",
        "limits": "Ограничения",
        "limits_text": "Модель обучена на текстах, написанных вручную; как они написаны и "
        "насколько модель переносится на настоящие обращения городского портала, описано в "
        "`data/README.md`. Прежде чем доверять доле категории, которую модель часто путает, "
        "посмотрите матрицу ошибок; `appeals report` исправляет доли на эти ошибки.",
    },
    "en": {
        "title": "Model card",
        "about": "Topic classifier for Russian citizen appeals: TF-IDF over lemmas (pymorphy3) "
        "and character n-grams, then logistic regression.",
        "trained": "trained",
        "data": "training data",
        "texts": "texts",
        "dropped": "dropped rows",
        "dropped_text": "{empty} empty, {dup} duplicate; {conflicts} label conflicts",
        "params": "parameters",
        "defaults": "defaults",
        "sha": "file sha256",
        "versions": "versions",
        "labels": "Labels and training examples",
        "labels_head": ("label", "name", "training texts"),
        "adapted": "Adapted to local appeals",
        "adapted_text": "Retrained on the base corpus plus {rows} labelled local rows from "
        "`{file}` (sha256 `{sha}…`), each weighted {weight}x; {unlabelled} rows of that file "
        "had no label and were not used. The stored error rates that reports correct with are "
        "the local rows' cross-validated rates, shrunk toward the base corpus' rates by "
        "{strength} rows' worth.",
        "local_head": ("label", "local rows"),
        "cv": "Cross-validated metrics",
        "local_cv": "Cross-validated metrics on the local rows",
        "test": "Held-out test metrics",
        "on": " on `{file}`",
        "metrics": "macro-F1 **{f1}**, accuracy {acc}, n = {n}.",
        "metrics_head": ("label", "precision", "recall", "F1", "support"),
        "confusion": "Confusion matrix (rows: true label, columns: predicted):",
        "review": "Review flag",
        "no_review": "This model has no review threshold: `needs_review` is False for every "
        "appeal.",
        "review_text": "Appeals with confidence below **{threshold}** are flagged "
        "`needs_review`. The threshold was chosen on {source} ({n} texts) for a precision of "
        "{target} among the appeals routed automatically: there it routes {coverage} of the "
        "appeals, {accuracy} of them correctly. On appeals unlike the training texts both "
        "figures are lower (see the README, Triage).",
        "cross_validation": "cross-validation",
        "limits": "Limits",
        "limits_text": "Trained on hand-written appeals; see `data/README.md` for how they were "
        "written and for the transfer measured on real city-portal complaints. Check the "
        "confusion matrix before trusting the shares of a class it often confuses; "
        "`appeals report` corrects shares for these errors.",
    },
}


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _head(cells) -> list[str]:
    return [_row(cells), "|---" * len(cells) + "|"]


def render_model_card(meta: dict, *, lang: str = DEFAULT_LANG) -> str:
    """Return the model card for a model's metadata, in `lang` ("ru" or "en")."""
    words = _WORDS[check_lang(lang)]
    data = meta.get("training_data", {})
    metrics = meta.get("metrics", {})
    dropped = words["dropped_text"].format(
        empty=data.get("dropped_empty_rows", 0),
        dup=data.get("dropped_duplicate_rows", 0),
        conflicts=data.get("label_conflicts", 0),
    )
    lines = [
        f"# {words['title']}: {meta.get('artifact', {}).get('file', 'model')}",
        "",
        words["about"],
        "",
        "| | |",
        "|---|---|",
        f"| {words['trained']} | {meta.get('trained_at', '?')} |",
        f"| {words['data']} | `{data.get('file', '?')}`, {data.get('n', '?')} {words['texts']}, "
        f"sha256 `{str(data.get('sha256', ''))[:16]}…` |",
        f"| {words['dropped']} | {dropped} |",
        f"| {words['params']} | `{meta.get('params') or words['defaults']}` |",
        f"| {words['sha']} | `{meta.get('artifact', {}).get('sha256', '?')}` |",
        f"| {words['versions']} | "
        + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
        + " |",
        "",
        f"## {words['labels']}",
        "",
        *_head(words["labels_head"]),
        *(
            _row(
                [
                    f"`{name}`",
                    category_name(name, lang),
                    data.get("class_counts", {}).get(name, "?"),
                ]
            )
            for name in LABELS
        ),
    ]
    adaptation = meta.get("adaptation")
    if adaptation:
        lines += [
            "",
            f"## {words['adapted']}",
            "",
            words["adapted_text"].format(
                rows=adaptation["local_rows"],
                file=adaptation["local_file"],
                sha=adaptation["local_sha256"][:16],
                weight=f"{adaptation['weight']:g}",
                unlabelled=adaptation["unlabelled_rows"],
                strength=f"{adaptation['prior_strength']:g}",
            ),
            "",
            *_head(words["local_head"]),
            *(_row([f"`{n}`", adaptation["local_class_counts"].get(n, 0)]) for n in LABELS),
        ]
    for key in ("cv", "local_cv", "test"):
        m = metrics.get(key)
        if not m:
            continue
        source = ""
        if key == "test" and metrics.get("test_data"):
            source = words["on"].format(file=metrics["test_data"]["file"])
        lines += [
            "",
            f"## {words[key]}{source}",
            "",
            words["metrics"].format(
                f1=decimal(m["macro_f1"], lang, digits=3),
                acc=decimal(m["accuracy"], lang, digits=3),
                n=m["n"],
            ),
            "",
            *_head(words["metrics_head"]),
            *(
                _row(
                    [
                        name,
                        decimal(c["precision"], lang, digits=3),
                        decimal(c["recall"], lang, digits=3),
                        decimal(c["f1"], lang, digits=3),
                        c["support"],
                    ]
                )
                for name, c in m["per_class"].items()
            ),
            "",
            words["confusion"],
            "",
            *_head(["", *m["labels"]]),
            *(_row([name, *row]) for name, row in zip(m["labels"], m["confusion"])),
        ]
    lines += review_section(meta.get("review"), lang=lang)
    lines += ["", f"## {words['limits']}", "", words["limits_text"], ""]
    return "\n".join(lines)


def review_section(review: dict | None, *, lang: str = DEFAULT_LANG) -> list[str]:
    """Return the model card lines on the review threshold (or on its absence)."""
    words = _WORDS[check_lang(lang)]
    if not review:
        return ["", f"## {words['review']}", "", words["no_review"]]
    source = review.get("source", "cross-validation")
    if source == "cross-validation":
        source = words["cross_validation"]
    return [
        "",
        f"## {words['review']}",
        "",
        words["review_text"].format(
            threshold=decimal(review["threshold"], lang, digits=3),
            source=source,
            n=number(review["n"], lang) if "n" in review else "?",
            target=percent(review["target_precision"], lang, digits=0),
            coverage=percent(review["coverage"], lang),
            accuracy=percent(review["accuracy"], lang),
        ),
    ]
