from __future__ import annotations

import csv
import hashlib
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import normalize
from classifier.normalize import normalize_text, normalize_words
from tests.adversarial_texts import adversarial_texts
from tests.normalize_reference import reference_normalize_text

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
    "т.к.", "т.е.", "и т.д.", "и т.п.", "р.", "№",
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


# The shipped normalization against a frozen copy of it (tests/normalize_reference.py)
# on every text the project has and on generated hard cases: the model file is
# byte-reproducible, so a speed-up must not change a single output.
ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "data/train.csv": "text",
    "data/test.csv": "text",
    "data/sample_appeals.csv": "text",
    "tests/data/urgency.csv": "text",
    "tests/data/urgency_holdout.csv": "text",
    "tests/data/pii.txt": None,
}
# sha256 of the frozen function's outputs on adversarial_texts(), one per line: pins
# both the reference and the generated cases.
ADVERSARIAL_DIGEST = "1c9d53fb34793d8b91b5141764fdebf37478b00c10e9886065e41b5251fa67fd"


def _corpus(name: str) -> list[str]:
    path = ROOT / name
    column = CORPORA[name]
    if column is None:
        return path.read_text(encoding="utf-8").splitlines()
    with path.open(encoding="utf-8", newline="") as f:
        return [row[column] for row in csv.DictReader(f)]


def _mismatches(texts: list[str]) -> list[tuple[str, str, str]]:
    return [
        (text[:120], expected[:120], got[:120])
        for text in texts
        if (got := normalize_text(text)) != (expected := reference_normalize_text(text))
    ]


@pytest.mark.parametrize("name", list(CORPORA))
def test_normalize_equals_reference_on_corpus(name: str) -> None:
    texts = _corpus(name)
    assert texts
    assert _mismatches(texts)[:5] == []


def test_normalize_equals_reference_on_adversarial_texts() -> None:
    texts = adversarial_texts()
    expected = "\n".join(reference_normalize_text(text) for text in texts)
    assert hashlib.sha256(expected.encode()).hexdigest() == ADVERSARIAL_DIGEST
    assert _mismatches(texts)[:5] == []


def test_normalize_equals_reference_with_a_cold_or_full_word_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = adversarial_texts(500, seed=7) + _corpus("data/test.csv")[:300]
    normalize._WORD_CACHE.clear()
    cold = [normalize_text(text) for text in texts]
    assert cold == [normalize_text(text) for text in texts]  # warm
    monkeypatch.setattr(normalize, "_WORD_CACHE_SIZE", 10)  # cleared on every text
    assert cold == [normalize_text(text) for text in texts]
    assert cold == [reference_normalize_text(text) for text in texts]


def test_word_cache_skips_long_words() -> None:
    word = "а" * (normalize._WORD_CACHE_LENGTH + 1)
    assert normalize_text(f"{word} б") == "а б"
    assert word not in normalize._WORD_CACHE


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_normalize_equals_reference_on_any_text(text: str) -> None:
    assert normalize_text(text) == reference_normalize_text(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_normalize_equals_reference_on_any_unicode(text: str) -> None:
    assert normalize_text(text) == reference_normalize_text(text)


# Texts on which the word-start pattern alone would differ from the full one: a match
# inside a word hides the start of a word where another rule matches.
HIDDEN_WORD_STARTS = [
    "xпр-т. к. дому",
    "Мойпр-Т.Е. тут",
    "всеи т. д. 5 лет",
    "xи т. п. Москва",
    "всеи т. пос. Лесной",
]


@pytest.mark.parametrize("text", HIDDEN_WORD_STARTS)
def test_hidden_word_starts_take_the_full_pattern(text: str) -> None:
    from classifier import normalize

    at_word_start = normalize._ABBREVIATIONS_AT_WORD_START.sub(normalize._expand, text)
    assert at_word_start != normalize._ABBREVIATIONS.sub(normalize._expand, text)
    assert normalize._HIDDEN_WORD_START.search(text)
    assert normalize_text(text) == reference_normalize_text(text)


def test_first_letter_look_ahead_admits_every_case_variant() -> None:
    # The abbreviation pattern starts with a look-ahead on the rules' first letters,
    # under the same re.IGNORECASE: it must admit every character a first letter does
    # («Д», and «ᲁ», which Python's re also counts as a case of «д»).
    firsts = "".join(dict.fromkeys(pattern[0] for pattern, _ in normalize._ABBREVIATION_RULES))
    letters = re.compile("|".join(map(re.escape, firsts)), re.I)
    look_ahead = re.compile(f"[{firsts}]", re.I)
    misses = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if letters.match(chr(code)) and not look_ahead.match(chr(code))
    ]
    assert misses == []


def test_url_hint_class_admits_every_case_variant() -> None:
    letters = re.compile("h|w|\\.", re.I)
    misses = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if letters.match(chr(code)) and chr(code) not in "hHwW."
    ]
    assert misses == []


@pytest.mark.parametrize("name", [*CORPORA, "adversarial"])
def test_normalize_words_are_the_split_text(name: str) -> None:
    texts = adversarial_texts() if name == "adversarial" else _corpus(name)
    assert [t for t in texts if normalize_words(t) != normalize_text(t).split()][:5] == []
    with pytest.raises(TypeError, match="must be str"):
        normalize_words(b"bytes")  # type: ignore[arg-type]
