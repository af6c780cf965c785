"""The review flag: threshold choice, stored metadata, predictions, batch column, report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier import InputError, Model, predict
from classifier.batch import classify_file, result_columns
from classifier.labels import LABELS
from classifier.modelcard import render_model_card
from classifier.review import (
    DEFAULT_TARGET_PRECISION,
    choose_threshold,
    needs_review,
    review_threshold,
)


def _rows(confidences: list[float], correct: list[bool]) -> tuple[np.ndarray, list[str]]:
    """Probabilities whose top label is housing at each confidence; truth per `correct`."""
    proba = np.zeros((len(confidences), len(LABELS)))
    for i, c in enumerate(confidences):
        proba[i] = (1 - c) / (len(LABELS) - 1)
        proba[i, 0] = c
    labels = ["housing" if ok else "waste" for ok in correct]
    return proba, labels


# (confidences, correct, target, expected threshold, expected coverage)
CASES = [
    # All right: everything is routed at the lowest confidence.
    ([0.9] * 10 + [0.5] * 20, [True] * 30, 0.95, 0.5, 1.0),
    # The low-confidence half is all wrong: only the sure half is routed.
    ([0.9] * 20 + [0.4] * 20, [True] * 20 + [False] * 20, 0.95, 0.9, 0.5),
    # One error in twenty-one at 0.8 keeps precision above 0.95.
    ([0.9] * 20 + [0.8], [True] * 20 + [False], 0.95, 0.8, 1.0),
    # The same error breaks a 0.99 target.
    ([0.9] * 20 + [0.8], [True] * 20 + [False], 0.99, 0.9, 20 / 21),
    # Too few rows reach the target: only certain predictions are routed.
    ([0.9] * 5 + [0.4] * 20, [True] * 5 + [False] * 20, 0.95, 1.0, 0.0),
]


@pytest.mark.parametrize("confidences, correct, target, threshold, coverage", CASES)
def test_choose_threshold(confidences, correct, target, threshold, coverage) -> None:
    proba, labels = _rows(confidences, correct)
    chosen = choose_threshold(proba, labels, target_precision=target)
    assert chosen.threshold == pytest.approx(threshold)
    assert chosen.coverage == pytest.approx(coverage)


@pytest.mark.parametrize("target", [0, 1, 1.5, -0.1])
def test_bad_target_precision(target: float) -> None:
    proba, labels = _rows([0.9] * 30, [True] * 30)
    with pytest.raises(InputError, match="target_precision"):
        choose_threshold(proba, labels, target_precision=target)


def test_weights_count_rows() -> None:
    # Two errors in 42 keep precision at 0.952; weighted five times they drop it to 0.8.
    proba, labels = _rows([0.9] * 40 + [0.8] * 2, [True] * 40 + [False] * 2)
    assert choose_threshold(proba, labels, target_precision=0.95).threshold == pytest.approx(0.8)
    heavy = choose_threshold(proba, labels, weights=[1.0] * 40 + [5.0] * 2, target_precision=0.95)
    assert heavy.threshold == pytest.approx(0.9)


@pytest.mark.parametrize(
    "metadata, expected",
    [({}, None), ({"review": None}, None), ({"review": {"threshold": 0.7}}, 0.7), (None, None)],
)
def test_review_threshold_of_metadata(metadata, expected) -> None:
    assert review_threshold(metadata) == expected


def test_needs_review_without_threshold_flags_nothing() -> None:
    assert not needs_review(np.array([0.1, 0.9]), None).any()
    assert needs_review(np.array([0.1, 0.9]), 0.5).tolist() == [True, False]


def test_trained_model_stores_and_applies_threshold(trained, test_frame) -> None:
    review = trained.model.metadata["review"]
    assert set(review) >= {"threshold", "target_precision", "coverage", "accuracy"}
    assert review["target_precision"] == DEFAULT_TARGET_PRECISION
    assert review["accuracy"] >= DEFAULT_TARGET_PRECISION or review["threshold"] == 1.0
    texts = test_frame["text"].tolist()[:200]
    results = predict(texts, model=trained.model)
    flags = [p.needs_review for p in results]
    assert flags == [p.confidence < review["threshold"] for p in results]
    card = render_model_card(trained.model.metadata, lang="en")
    assert "## Review flag" in card and f"{review['coverage']:.1%}" in card
    card = render_model_card(trained.model.metadata)
    shown = f"{review['coverage'] * 100:.1f}".replace(".", ",")
    assert "## Флаг проверки" in card and f"{shown}\u00a0%" in card


def test_model_without_entry_flags_nothing(fitted_model: Model) -> None:
    results = predict(["Нет воды", "   ", "Яма на дороге"], model=fitted_model)
    assert not any(p.needs_review for p in results)
    assert "no review threshold" in render_model_card(fitted_model.metadata, lang="en")
    assert "нет порога проверки" in render_model_card(fitted_model.metadata)


def test_empty_text_needs_review_when_model_has_threshold(trained) -> None:
    assert predict("  ", model=trained.model).needs_review is True


def test_classify_adds_column_and_keeps_rows(trained, tmp_path) -> None:
    source = pd.DataFrame({"text": ["Течёт крыша над квартирой", "", "Мусор не вывозят неделю"]})
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.to_csv(src, index=False)
    result = classify_file(src, out, model=trained.model, review=True)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["text", *result_columns(review=True)]
    assert len(frame) == 3 and frame.loc[1, "needs_review"] == ""
    threshold = trained.model.metadata["review"]["threshold"]
    want = [float(c) < threshold for c in frame.loc[[0, 2], "confidence"]]
    assert [v == "True" for v in frame.loc[[0, 2], "needs_review"]] == want
    assert result.needs_review == sum(want)


def test_report_counts_needs_review(trained, test_frame) -> None:
    from classifier.report import build_report

    texts = test_frame["text"].tolist()[:100]
    report = build_report(trained.model, texts, n_boot=20)
    threshold = trained.model.metadata["review"]["threshold"]
    proba = trained.model.predict_proba(texts)
    assert report.n_needs_review == int((proba.max(axis=1) < threshold).sum())
    assert "need review" in report.summary("en")


@pytest.mark.parametrize("value", ["1.5", "0"])
def test_cli_train_refuses_bad_review_precision(tmp_path, value: str) -> None:
    from typer.testing import CliRunner

    from classifier.cli import app

    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["Нет воды", "Яма"], "label": ["housing", "roads"]}).to_csv(path)
    result = CliRunner().invoke(app, ["train", str(path), "--review-precision", value])
    assert result.exit_code == 2 and "review_precision must be between 0 and 1" in result.output
