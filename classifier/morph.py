"""Lemmas of single word forms through pymorphy3, with domain fixes."""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymorphy3

# Parts of speech that carry no topic; «не», «нет» and «без» stay (see KEEP).
STOP_TAGS = frozenset({"PREP", "CONJ", "PRCL", "NPRO", "INTJ"})
KEEP = frozenset({"не", "нет", "без", "ни"})

# Forms pymorphy3 lemmatizes wrongly or does not know; checked before any parse.
LEMMA_OVERRIDES: dict[str, str] = {
    "ул": "улица",
    "тел": "телефон",
    "кв": "квартира",
    "мкр": "микрорайон",
    "мкрн": "микрорайон",
    "р-н": "район",
    "пр-т": "проспект",
    "пр-те": "проспект",
    "пр-кт": "проспект",
    "г": "город",
    "д": "дом",
    "ук": "ук",
    "тсж": "тсж",
    "тко": "тко",
    "жкх": "жкх",
    "мкд": "мкд",
    "гвс": "гвс",
    "хвс": "хвс",
    "дтп": "дтп",
    "пдд": "пдд",
    "нет": "нет",
}

# When a form has a parse with one of these lemmas, it wins over the most probable
# parse: «ямы» is «яма», not «ям»; «пал травы» is «пал», not «пасть».
DOMAIN_LEMMAS = frozenset(
    {
        "яма",
        "пал",
        "мусорка",
        "помойка",
        "свалка",
        "маршрутка",
        "котельная",
        "сосулька",
        "труба",
        "батарея",
        "подъезд",
        "остановка",
        "контейнер",
        "тариф",
        "дым",
        "гарь",
        "лифт",
        "вонь",
        "газ",
        "стоки",
        "выброс",
    }
)

_lock = threading.Lock()


@functools.cache
def morph_analyzer() -> pymorphy3.MorphAnalyzer:
    """Return the process-wide pymorphy3 analyzer, created on first use."""
    import pymorphy3

    with _lock:
        return pymorphy3.MorphAnalyzer()


def lemma_of(word: str, analyzer: pymorphy3.MorphAnalyzer) -> str | None:
    """Return the lemma of one lowercase word form, or None for a topic-free word.

    >>> from classifier.morph import morph_analyzer
    >>> [lemma_of(w, morph_analyzer()) for w in ["ямы", "тел", "и", "не", "котельной"]]
    ['яма', 'телефон', None, 'не', 'котельная']
    """
    if word in LEMMA_OVERRIDES:
        return LEMMA_OVERRIDES[word]
    if word in KEEP:
        return word
    parses = analyzer.parse(word)
    best = parses[0]
    for parse in parses[1:]:
        if parse.normal_form in DOMAIN_LEMMAS:
            best = parse
            break
    if best.tag.POS in STOP_TAGS:
        return None
    return best.normal_form.replace("ё", "е")
