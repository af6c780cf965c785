"""Russian-first formatting of what analysts read."""

from __future__ import annotations

import pytest

from classifier import LABELS, InputError
from classifier.i18n import (
    LABELS_EN,
    appeals,
    category_name,
    check_lang,
    month_name,
    number,
    percent,
    plural,
)

NBSP = "\u00a0"

PERCENTS = [
    (0.43, "ru", 1, f"43,0{NBSP}%"),
    (0.43, "en", 1, "43.0%"),
    (0.0, "ru", 1, f"0,0{NBSP}%"),
    (1.0, "ru", 0, f"100{NBSP}%"),
    (0.1549, "ru", 1, f"15,5{NBSP}%"),
    (0.1549, "en", 0, "15%"),
    (12.345, "ru", 1, f"1{NBSP}234,5{NBSP}%"),
]


@pytest.mark.parametrize("share, lang, digits, expected", PERCENTS)
def test_percent(share: float, lang: str, digits: int, expected: str) -> None:
    assert percent(share, lang, digits=digits) == expected


NUMBERS = [
    (0, "ru", "0"),
    (999, "ru", "999"),
    (29763, "ru", f"29{NBSP}763"),
    (29763, "en", "29,763"),
]


@pytest.mark.parametrize("n, lang, expected", NUMBERS)
def test_number(n: int, lang: str, expected: str) -> None:
    assert number(n, lang) == expected


PLURALS = [
    (1, "обращение"),
    (2, "обращения"),
    (4, "обращения"),
    (5, "обращений"),
    (11, "обращений"),
    (12, "обращений"),
    (14, "обращений"),
    (21, "обращение"),
    (22, "обращения"),
    (111, "обращений"),
    (101, "обращение"),
    (0, "обращений"),
]


@pytest.mark.parametrize("n, word", PLURALS)
def test_plural(n: int, word: str) -> None:
    assert plural(n, "обращение", "обращения", "обращений") == word
    assert appeals(n, "ru").endswith(word)


@pytest.mark.parametrize(
    "n, expected", [(1, "1 appeal"), (2, "2 appeals"), (1500, "1,500 appeals")]
)
def test_appeals_in_english(n: int, expected: str) -> None:
    assert appeals(n, "en") == expected


MONTHS = [
    ("2026-01", "ru", "январь 2026"),
    ("2026-12", "ru", "декабрь 2026"),
    ("2026-05", "en", "May 2026"),
    ("not a month", "ru", "not a month"),
    ("2026-13", "en", "2026-13"),
]


@pytest.mark.parametrize("month, lang, expected", MONTHS)
def test_month_name(month: str, lang: str, expected: str) -> None:
    assert month_name(month, lang) == expected


def test_category_names_follow_the_standard() -> None:
    assert category_name("housing", "ru") == "ЖКХ и благоустройство"
    assert [category_name(label, "en") for label in LABELS] == [LABELS_EN[n] for n in LABELS]


@pytest.mark.parametrize("lang", ["de", "RU", "", "english"])
def test_unknown_language_names_the_parameter(lang: str) -> None:
    with pytest.raises(InputError, match=r"^lang must be one of ru, en"):
        check_lang(lang)


# Files that really fail to read: the message the package gives, then its Russian form.
BAD_FILES = [
    ("a.csv", b"message\nnet\n", "a.csv: нет колонки 'text'; в файле есть: 'message'"),
    ("a.docx", b"text\n", "a.docx: неизвестный тип файла '.docx'; подходят: "),
    ("a.xlsx", b"not a workbook", "a.xlsx: не читается как XLSX: "),
    ("a.jsonl", b'{"text": "a"}\n{"text": ', "a.jsonl: не читается как JSONL: "),
    ("a.csv", b"text,text\n1,2\n", "имя колонки 'text' повторяется"),
    ("a.csv", b"id;text\n1;x;y\n", "a.csv: строка 2: полей 3, а в заголовке 2"),
]


@pytest.mark.parametrize("name, body, russian", BAD_FILES)
def test_read_errors_have_a_russian_form(tmp_path, name: str, body: bytes, russian: str) -> None:
    from classifier.file_report import read_appeals
    from classifier.i18n import translate_error

    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(InputError) as caught:
        read_appeals(path)
    message = str(caught.value).replace(str(path), name)
    assert russian in translate_error(message, "ru")
    assert translate_error(message, "en") == message
