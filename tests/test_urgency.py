"""Urgency: the danger lexicon with negation and resolution, on texts written for the tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier import predict
from classifier.urgency import SIGNALS, is_urgent, urgency_signals

DATA = Path(__file__).resolve().parent / "data"

CASES = [
    ("Сильно пахнет газом в подъезде", True),
    ("Не пахнет газом, просто проверьте счётчик", False),
    ("Газ подключили, спасибо", False),
    ("Запаха газа больше нет", False),
    ("Газом не пахнет", False),
    ("Утечку газа устранили", False),
    ("Прошу устранить утечку газа", True),
    ("На улице мороз, а отопления нет", True),
    ("Отопления нет, но на улице тепло", False),
    ("Отопление дали, спасибо", False),
    ("Во дворе открытый люк", True),
    ("Люк закрыли", False),
    ("Открыт колодец, ограждения нет", True),
    ("Оборванные провода лежат на земле", True),
    ("Провода интернета висят над двором", False),
    ("Горит мусорный контейнер у дома", True),
    ("Не горит фонарь у подъезда", False),
    ("В подъезде горит свет днём", False),
    ("Пожар был в прошлом году", False),
    ("Соседи сверху затопили, течёт с потолка", True),
    ("Течёт кран на кухне", False),
    ("Ребёнок застрял в лифте", True),
    ("Лифт не работает", False),
    ("Над входом огромные сосульки", True),
    ("Сосульки сбили, спасибо", False),
    ("Упало дерево на провода", True),
    ("На прошлой неделе прорвало трубу", False),
    ("", False),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_is_urgent(text: str, expected: bool) -> None:
    assert is_urgent(text) is expected


def test_signal_names_the_words() -> None:
    (found,) = urgency_signals("Во дворе открытый люк.")
    assert found.signal == "open_manhole" and found.words == "открытый люк"
    assert found.to_dict() == {"signal": "open_manhole", "words": "открытый люк"}


def test_signal_names_are_unique() -> None:
    names = [s.name for s in SIGNALS]
    assert len(names) == len(set(names))


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="text must be str"):
        is_urgent(None)  # type: ignore[arg-type]


def _scores(path: Path) -> tuple[float, float]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    pairs = [(is_urgent(r["text"]), r["urgent"] == "1") for r in rows]
    tp = sum(p and y for p, y in pairs)
    return tp / max(sum(p for p, _ in pairs), 1), tp / max(sum(y for _, y in pairs), 1)


@pytest.mark.parametrize(
    "name, min_precision, min_recall",
    [("urgency.csv", 0.95, 0.95), ("urgency_holdout.csv", 0.9, 0.75)],
)
def test_labelled_sets(name: str, min_precision: float, min_recall: float) -> None:
    precision, recall = _scores(DATA / name)
    assert precision >= min_precision and recall >= min_recall


def test_predict_marks_urgent_only_when_asked(fitted_model) -> None:
    texts = ["Пахнет газом на лестнице", "Мусор не вывезли", "  "]
    marked = predict(texts, model=fitted_model, urgency=True)
    assert [p.urgent for p in marked] == [True, False, False]
    assert [p.urgent for p in predict(texts, model=fitted_model)] == [None, None, None]
    assert predict(texts[0], model=fitted_model, urgency=True).to_dict()["urgent"] is True
