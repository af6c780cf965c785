from __future__ import annotations

import math

import pytest

from classifier import LABELS, LABELS_RU, Model, Prediction, predict

TEXTS = [
    "Третий день нет горячей воды в доме",
    "",
    "Контейнеры переполнены, мусор не вывозят неделю",
    "   \n ",
    "Яма на дороге по улице Ленина",
]


def test_one_prediction_per_text_in_order(fitted_model: Model) -> None:
    results = predict(TEXTS, model=fitted_model)
    assert len(results) == len(TEXTS)
    singles = [predict(text, model=fitted_model) for text in TEXTS]
    assert results == singles


def test_single_string_gives_single_prediction(fitted_model: Model) -> None:
    result = predict("Мусор не вывозят", model=fitted_model)
    assert isinstance(result, Prediction)


@pytest.mark.parametrize("text", [t for t in TEXTS if t.strip()])
def test_prediction_record(fitted_model: Model, text: str) -> None:
    result = predict(text, model=fitted_model)
    assert set(result.probabilities) == set(LABELS)
    assert math.isclose(sum(result.probabilities.values()), 1.0, abs_tol=1e-9)
    assert result.label == max(result.probabilities, key=result.probabilities.get)
    assert result.confidence == result.probabilities[result.label]
    assert result.label_ru == LABELS_RU[result.label]
    assert not result.empty


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_empty_text_gets_documented_result(fitted_model: Model, text: str) -> None:
    result = predict(text, model=fitted_model)
    assert result.empty
    assert result.label == "other"
    assert result.probabilities == {name: 0.2 for name in LABELS}


@pytest.mark.parametrize("bad", [None, 5, b"bytes", ["ok", None]])
def test_non_string_is_a_type_error(fitted_model: Model, bad) -> None:
    with pytest.raises(TypeError, match="str"):
        predict(bad, model=fitted_model)


def test_empty_list(fitted_model: Model) -> None:
    assert predict([], model=fitted_model) == []


def test_to_dict_is_json_ready(fitted_model: Model) -> None:
    data = predict("Нет света в подъезде", model=fitted_model).to_dict()
    assert set(data) == {
        "label",
        "label_ru",
        "confidence",
        "probabilities",
        "empty",
        "needs_review",
        "urgent",
    }
