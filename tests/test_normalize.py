from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.normalize import normalize_text

CASES = [
    ("Ёлки-палки, ЁЖ", "елки-палки еж"),
    ("Звоните 8 (912) 345-67-89", "звоните _phone_"),
    ("тел.: +7 912 345 67 89", "телефон _phone_"),
    ("пишите на ivan.petrov@mail.ru", "пишите на _email_"),
    ("смотрите https://vk.com/wall-1_2 и www.gosuslugi.ru", "смотрите _url_ и _url_"),
    ("@admin_city ответьте", "_mention_ ответьте"),
    ("жалоба на www.dobrodel.ru без ответа", "жалоба на _url_ без ответа"),
    ("писал на gorod.ru и в ТСЖ", "писал на _url_ и в тсж"),
    ("#ДорогиКузбасса опять", "_hashtag_ дороги кузбасса опять"),
    ("ул. Мира, д. 5а, кв. 12", "улица мира дом _house_ квартира _flat_"),
    ("ул Ленина д 7 кв 3", "улица ленина дом _house_ квартира _flat_"),
    ("мкр. Северный, р-н ТЭЦ", "микрорайон северный район тэц"),
    ("пр-т Ленина", "проспект ленина"),
    ("пр-т8, р-н5, мкрн12", "проспект _num_ район _num_ микрорайон _num_"),  # as «пр-т 8»
    ("поликлиника в 45 мкр? Обещали", "поликлиника в _num_ микрорайон обещали"),
    ("ул.?Мира", "улица мира"),
    ("г. Тверь, 2023 г.", "город тверь _num_ год"),
    ("заплатили 5000 руб. за вывоз", "заплатили _num_ рублей за вывоз"),
    ("500р за вывоз, 300 руб за воду", "_num_ рублей за вывоз _num_ рублей за воду"),
    ("В 2023 г. обещали", "в _num_ год обещали"),
    ("п. Северный и п. 5 договора", "поселок северный и п _num_ договора"),
    ("мкр.Северный, ул.Мира, Кв 5", "микрорайон северный улица мира квартира _flat_"),
    ("Маршрут № 12 не ходит", "маршрут _num_ не ходит"),
    ("мусoр у пoдъезда", "мусор у подъезда"),  # Latin o inside Cyrillic words
    ("КOНТЕЙНЕР", "контейнер"),  # Latin O in caps
    ("iPhone и Wi-Fi", "iphone и wi-fi"),  # Latin words stay Latin
    ("Ужаааас!!! 😡😡", "ужас _emoji_"),
    ("из-за ямы кое-где", "из-за ямы кое-где"),
    ("", ""),
    ("   \n\t ", ""),
    ("!!! ??? ...", ""),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize("text", [text for text, _ in CASES])
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_normalize_rejects_non_string() -> None:
    with pytest.raises(TypeError, match="must be str"):
        normalize_text(None)  # type: ignore[arg-type]


ABBREVIATIONS = [
    "пр-т", "пр-кт", "просп.", "р-н", "мкр-н", "мкр.", "мкрн", "ул.", "ул", "пер.", "пос.",
    "п.", "пгт", "обл.", "тел.", "тел", "руб.", "руб", "₽", "г.", "д.", "д", "кв.", "кв",
    "т.к.", "т.е.", "и т.д.", "р.", "№",
]  # fmt: skip
PIECES = st.one_of(
    st.sampled_from(ABBREVIATIONS),
    st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИКЛМНОПРСТУ", max_size=6),
    st.text(alphabet="0123456789", min_size=1, max_size=4),
    st.sampled_from([" ", "  ", ".", ",", "-", "/", ":", "!", "?", "(", ")", "+", "#", "@"]),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_normalize_is_idempotent_on_any_text(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
