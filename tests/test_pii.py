"""Masking personal data: names, phones, e-mails, addresses, document numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classifier.pii import find_pii, mask_pii

DATA = Path(__file__).resolve().parent / "data"

# Patterns only (names=False): no NER model is loaded for these.
CASES = [
    ("Мой телефон +7 (921) 640-33-18, перезвоните", "Мой телефон [ТЕЛЕФОН], перезвоните"),
    ("Звоните 8 911 222 33 44", "Звоните [ТЕЛЕФОН]"),
    ("Пишите на petrov@mail.ru", "Пишите на [EMAIL]"),
    ("Живу на ул. Садовая, д. 14, кв. 56, течёт крыша", "Живу на [АДРЕС], течёт крыша"),
    ("Невский проспект, дом 10, квартира 3: нет воды", "[АДРЕС]: нет воды"),
    ("В доме 5, кв. 17 нет воды", "В [АДРЕС] нет воды"),
    ("Паспорт 40 15 765432", "Паспорт [ДОКУМЕНТ]"),
    ("СНИЛС 112-233-445 95", "СНИЛС [ДОКУМЕНТ]"),
    ("ИНН 780512345678", "ИНН [ДОКУМЕНТ]"),
    ("Карта 2202 2012 3456 7890", "Карта [ДОКУМЕНТ]"),
    ("В доме 5 этажей, лифт не работает", "В доме 5 этажей, лифт не работает"),
    ("Яма на дороге 2 метра, оплатил 1500 рублей", "Яма на дороге 2 метра, оплатил 1500 рублей"),
    ("", ""),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_mask_patterns(text: str, expected: str) -> None:
    assert mask_pii(text, names=False) == expected


NAMES = [
    (
        "Меня зовут Смирнова Ольга Викторовна, мусор не вывозят",
        "Меня зовут [ФИО], мусор не вывозят",
    ),
    ("Прошу передать Михаилу Петровичу Орлову ответ", "Прошу передать [ФИО] ответ"),
    ("Во дворе яма, никто не ремонтирует", "Во дворе яма, никто не ремонтирует"),
]


@pytest.mark.parametrize("text, expected", NAMES)
def test_mask_names(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="text must be str"):
        find_pii(5)  # type: ignore[arg-type]


MARK = re.compile(r"\{(\w+)\|([^}]*)\}")


def _parse(line: str) -> tuple[str, list[tuple[str, int, int]]]:
    spans, out, last = [], [], 0
    for m in MARK.finditer(line):
        out.append(line[last : m.start()])
        start = sum(map(len, out))
        out.append(m.group(2))
        spans.append((m.group(1), start, start + len(m.group(2))))
        last = m.end()
    out.append(line[last:])
    return "".join(out), spans


def labelled() -> list[tuple[str, list[tuple[str, int, int]]]]:
    """The texts of tests/data/pii.txt with their marked spans."""
    lines = (DATA / "pii.txt").read_text(encoding="utf-8").splitlines()
    return [_parse(line) for line in lines if line and not line.startswith("#")]


def recall_per_kind() -> dict[str, float]:
    """Return, per kind, the share of marked spans fully covered by a found span."""
    hits: dict[str, list[bool]] = {}
    for text, gold in labelled():
        found = find_pii(text)
        for kind, a, b in gold:
            covered = all(
                any(s.start <= i < s.end for s in found)
                for i in range(a, b)
                if not text[i].isspace()
            )
            hits.setdefault(kind, []).append(covered)
    return {kind: sum(v) / len(v) for kind, v in hits.items()}


def test_recall_on_labelled_set() -> None:
    recall = recall_per_kind()
    assert set(recall) == {"name", "phone", "email", "address", "document"}
    assert min(recall.values()) >= 0.8, recall
