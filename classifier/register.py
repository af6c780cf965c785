"""Markers of how an appeal is written: the polite-formal register, greetings, follow-ups.

Used to describe and check the corpus (`scripts/corpus_stats.py`, the corpus tests), so
that it keeps the register mix of real appeals.

>>> is_formal("Прошу принять меры: по адресу ул. Мира, 5 неоднократно топит подвал")
True
>>> opens_with_greeting("Добрый день! Нет воды")
True
>>> is_follow_up("На моё обращение № 4521 получен ответ, что работы запланированы")
True
"""

from __future__ import annotations

import re

FORMAL_MARKERS = (
    "прошу",
    "просим",
    "данн",
    "по адресу",
    "в связи с",
    "№",
    "неоднократно",
    "на протяжении",
    "отписк",
    "уважаем",
    "принять меры",
    "в соответствии",
)
_GREETING = re.compile(
    r"^\W*(здравствуйте|добрый (день|вечер|утро)|доброе утро|доброго времени|уважаем\w*|"
    r"привет\w*|добрый)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"(обращени\w* (№|номер|от \d)|повторно|получен\w* ответ|пришел ответ|пришёл ответ|"
    r"ответ(а)? (так и )?не (получ|приш|дал)|отписк|ответили, что|в ответе)",
    re.IGNORECASE,
)


def formal_markers(text: str) -> int:
    """Return how many distinct formal-register markers the text has."""
    lowered = text.lower()
    return sum(marker in lowered for marker in FORMAL_MARKERS)


def is_formal(text: str) -> bool:
    """Return True for a text with two or more formal-register markers."""
    return formal_markers(text) >= 2


def opens_with_greeting(text: str) -> bool:
    """Return True for a text that opens with a greeting or a formal address."""
    return bool(_GREETING.search(text))


def is_follow_up(text: str) -> bool:
    """Return True for a text that refers to an earlier appeal or an official answer."""
    return bool(_FOLLOW_UP.search(text))
