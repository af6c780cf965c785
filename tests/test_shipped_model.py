"""The model in models/ is what users get: these tests read it on purpose."""

from __future__ import annotations

import pytest

from classifier import LABELS, load, predict
from classifier.model import default_model_path

OBVIOUS = [
    ("Третий день нет горячей воды, управляющая компания трубку не берёт", "housing"),
    ("Во дворе сломаны качели на детской площадке, дети могут пораниться", "housing"),
    ("Мусор не вывозят уже неделю, контейнеры переполнены", "waste"),
    ("Регоператор прислал квитанцию за вывоз ТКО на умершего отца", "waste"),
    ("На дороге огромные ямы, подвеску разбил", "roads"),
    ("Автобус 12 маршрута не ходит после восьми вечера", "roads"),
    ("Котельная опять дымит чёрным дымом, дышать нечем", "ecology"),
    ("В реку сливают канализационные стоки, рыба всплыла", "ecology"),
    ("В поликлинике невозможно записаться к терапевту", "other"),
    ("Стая бродячих собак бросается на детей у школы", "other"),
]


def test_shipped_model_exists() -> None:
    assert default_model_path().exists()


def test_shipped_metadata() -> None:
    meta = load().metadata
    assert meta["labels"] == list(LABELS)
    assert meta["training_data"]["n"] > 0
    assert meta["metrics"]["test"]["macro_f1"] > 0
    assert meta["artifact"]["bytes"] < 50 * 1024 * 1024


# Appeals are often one or two words; the category's own name among them.
KEYWORDS = [
    ("ЖКХ", "housing"),
    ("отопление", "housing"),
    ("нет воды", "housing"),
    ("капремонт", "housing"),
    ("мусор", "waste"),
    ("регоператор", "waste"),
    ("ямы", "roads"),
    ("светофор", "roads"),
    ("дым", "ecology"),
    ("вырубка", "ecology"),
    ("поликлиника", "other"),
    ("Спасибо!", "other"),
]


@pytest.mark.parametrize("text, label", OBVIOUS + KEYWORDS)
def test_obvious_appeals(text: str, label: str) -> None:
    assert predict(text).label == label
