"""Explanations: the words behind a label, as written in the appeal; feature names."""

from __future__ import annotations

import numpy as np
import pytest

from classifier import Model, predict
from classifier.explain import explain_texts
from classifier.preprocess import LemmaPreprocessor, TextNormalizer

CASES = [
    ("Контейнеры переполнены, мусор не вывозят", "waste", {"мусор", "Контейнеры"}),
    ("На дороге глубокая яма, машины бьют колёса", "roads", {"дороге", "яма"}),
    ("Третий день нет горячей воды в квартире", "housing", {"горячей", "воды"}),
]


@pytest.mark.parametrize("text, label, expected", CASES)
def test_top_words_are_the_topic_words(fitted_model: Model, text, label, expected) -> None:
    (terms,) = explain_texts(fitted_model, [text], [label])
    top = {t.text for t in terms[:4]}
    assert expected & top, [(t.text, t.weight) for t in terms]


@pytest.mark.parametrize("text, label, expected", CASES)
def test_terms_are_words_of_the_text_largest_first(fitted_model: Model, text, label, expected):
    result = predict(text, model=fitted_model, explain=True)
    weights = [t.weight for t in result.explanation]
    assert weights == sorted(weights, reverse=True) and len(weights) <= 10
    for term in result.explanation:
        for start, end in term.spans:
            assert text[start:end] == term.text


def test_weights_sum_close_to_the_centered_score(fitted_model: Model) -> None:
    text = "Мусор не вывозят из контейнеров неделю"
    (terms,) = explain_texts(fitted_model, [text], ["waste"], top=100)
    pipeline = fitted_model.pipeline
    x = pipeline[:-1].transform([text])
    coef = pipeline.named_steps["clf"].coef_
    k = list(pipeline.classes_).index("waste")
    score = float(np.asarray(x @ (coef[k] - coef.mean(axis=0))).ravel()[0])
    # Every feature maps back to a word here, so nearly all of the score is attributed.
    assert sum(t.weight for t in terms) == pytest.approx(score, rel=0.15)


@pytest.mark.parametrize(
    "text",
    [
        "Звоните [ТЕЛЕФОН], пишет [ФИО]: мусор не вывозят",
        "Мусор не вывозят, звоните 8 921 123-45-67",
    ],
)
def test_masked_parts_and_numbers_never_shown(fitted_model: Model, text: str) -> None:
    (terms,) = explain_texts(fitted_model, [text], ["waste"], top=100)
    shown = " ".join(t.text for t in terms)
    assert "ТЕЛЕФОН" not in shown and "ФИО" not in shown and not any(c.isdigit() for c in shown)


def test_default_predict_has_no_explanation(fitted_model: Model) -> None:
    result = predict("Мусор не вывозят", model=fitted_model)
    assert result.explanation is None and "explanation" not in result.to_dict()


def test_empty_text_gets_empty_explanation(fitted_model: Model) -> None:
    assert predict("  ", model=fitted_model, explain=True).explanation == []


def test_to_dict_lists_terms(fitted_model: Model) -> None:
    data = predict("Мусор не вывозят", model=fitted_model, explain=True).to_dict()
    assert set(data["explanation"][0]) == {"text", "weight", "spans"}


def test_feature_names_out(fitted_model: Model) -> None:
    names = fitted_model.pipeline[:-1].get_feature_names_out()
    x = fitted_model.pipeline[:-1].transform(["Мусор не вывозят"])
    assert len(names) == x.shape[1]
    assert names[-1] == "embeddings__embedding_299" and any(n.startswith("chars__") for n in names)
    assert TextNormalizer().get_feature_names_out().tolist() == ["text"]
    assert LemmaPreprocessor().get_feature_names_out(np.array(["t"])).tolist() == ["t"]
