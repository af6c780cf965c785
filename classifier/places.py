"""The place an appeal is about: settlement, street and house, found in the text by patterns.

natasha's `AddrExtractor` was measured first: on our appeals it took 10–25 ms a text
(15 minutes for 60,000 appeals on one core), missed settlements written without «г.»
(«Искитим ул. Пушкина 12») and read «по улице Ленина яма» as the street «Ленина яма».
These patterns cover the forms appeals use and take ~0.1 ms a text.

>>> extract_place("Искитим ул. Пушкина 12. Третий день нет воды").label
'Искитим, улица Пушкина, 12'
>>> extract_place("Кемерово, Ленинградский пр-т 28, батареи ледяные").key
('кемеров', 'ленинградск', '28')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Street types as appeals write them, and the word the location column uses.
_STREET_TYPES: tuple[tuple[str, str], ...] = (
    (r"ул\.?|улиц[аеыиу]|улицей", "улица"),
    (r"пр-к?т\.?|просп\.|пр\.|проспект[аеу]?|проспектом", "проспект"),
    (r"пер\.|переул(?:ок|ка|ке|ку|ком)", "переулок"),
    (r"б-р|бульвар[аеу]?", "бульвар"),
    (r"ш\.|шоссе", "шоссе"),
    (r"пл\.|площад[ьи]", "площадь"),
    (r"наб\.|набережн(?:ая|ой|ую)", "набережная"),
    (r"пр-д|проезд[аеу]?", "проезд"),
    (r"мкр-?н?\.?|микрорайон[аеу]?", "микрорайон"),
    (r"кв-л|квартал[аеу]?", "квартал"),
)
_SETTLEMENT_TYPES = (
    r"г\.|город[аеу]?|пос\.|п\.|посел[оё]к[аеу]?|поселке|пгт\.?|с\.|сел[оеау]|д-ня|деревн[яеию]"
)
_NAME_WORD = r"(?:[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)?|\d{1,2}-?(?:я|й|го|ой|ая))"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|проспект[аеу]?(?![а-яё])))?"
_HOUSE = (
    r"\d{1,4}(?:\s?[а-дА-Д](?![а-яё]))?(?:\s?/\s?\d{1,4})?"
    r"(?:\s?,?\s?(?:к|кор|корп|стр)\.?\s?\d{1,2}(?!\d))?"
)
_HOUSE_MARK = r"(?:д\.?|дом[аеу]?|домом)?\s*"

_TYPE = "|".join(f"(?P<t{i}>(?i:{p}))" for i, (p, _) in enumerate(_STREET_TYPES))
_TYPE_WORDS = {f"t{i}": word for i, (_, word) in enumerate(_STREET_TYPES)}
_AFTER_NAME = rf"(?![а-яё])(?:\s*,?\s*{_HOUSE_MARK}(?P<house>{_HOUSE})(?!\d))?"
# «ул. Пушкина, д. 12», «улице Ленина 5», «пр-т Мира, 15к2».
_TYPED = re.compile(rf"(?<![А-ЯЁа-яё])(?:{_TYPE})\s*(?:[А-ЯЁ]\.\s?)?(?P<name>{_NAME}){_AFTER_NAME}")
# «Ленинградский пр-т 28», «на Юбилейной улице».
_NAMED = re.compile(rf"(?<![А-ЯЁа-яё])(?P<name>{_NAME_WORD})\s+(?:{_TYPE}){_AFTER_NAME}")
_BARE = re.compile(
    rf"(?:(?<![А-ЯЁа-яё])(?:на|по|возле|около|напротив|у)\s+|(?:^|(?<=[.!?:;,—-]))\s*)(?P<name>{_NAME_WORD})"
    rf"\s*,?\s*{_HOUSE_MARK}(?P<house>{_HOUSE})(?![\d.,]\d)(?!\s*(?:лет|год|час|мин|дн|раз|руб|%|°|градус|км|м\b|нед|сут|дн|дня|дней|шт|этаж|подъезд|кв|чел))"
)
# «на Садовой», «по Ленина» without a number: only names shaped like street names.
_BARE_NAME = re.compile(
    r"(?<![А-ЯЁа-яё])(?:на|по)\s+(?P<name>[А-ЯЁ][а-яё]+(?:ой|ая|ую|ина|ова|ева|ого))(?![а-яё])"
)
_SETTLEMENT = re.compile(rf"(?<![А-ЯЁа-яё])(?i:{_SETTLEMENT_TYPES})\s*(?P<name>{_NAME_WORD})")
# A capitalized word right before a street: «Искитим ул. Пушкина», «Кемерово, Ленинградский пр-т».
_BEFORE = re.compile(r"(?P<name>[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)?)\s*,?\s*$")
_HOUSE_WORD = re.compile(rf"(?<![А-ЯЁа-яё])(?:д\.|дом[аеу]?|домом)\s*(?P<house>{_HOUSE})(?!\d)")
# Words that look like names but are not places when capitalized at a sentence start.
_NOT_NAMES = frozenset(
    [
        "в",
        "во",
        "на",
        "по",
        "у",
        "с",
        "со",
        "из",
        "к",
        "от",
        "до",
        "за",
        "и",
        "а",
        "но",
        "уже",
        "опять",
        "снова",
        "третий",
        "второй",
        "который",
        "где",
        "когда",
        "здесь",
        "там",
        "тут",
        "это",
        "этот",
        "эта",
        "наш",
        "наша",
        "наши",
        "мой",
        "моя",
        "дом",
        "дома",
        "возле",
        "около",
        "рядом",
        "напротив",
        "просим",
        "прошу",
        "помогите",
        "сколько",
        "почему",
        "опять",
        "лестница",
        "парадная",
        "подъезд",
        "этаж",
        "кв",
        "квартира",
        "корпус",
        "школа",
        "маршрут",
        "автобус",
        "трамвай",
        "троллейбус",
        "адрес",
    ]
)
_ADJ_ENDING = re.compile(r"(?:ая|ой|ую|ого|ому|ом|ый|ий|ей|ое|ые|ых|ым|ыми|ая|яя|юю|ее|ие|их)$")
_FINAL_VOWEL = re.compile(r"[аеиоуыэюяй]+$")


@dataclass(frozen=True)
class Place:
    """Settlement, street (with its type) and house an appeal names; '' where not named."""

    settlement: str = ""
    street: str = ""
    street_type: str = ""
    house: str = ""
    start: int = -1
    end: int = -1

    @property
    def key(self) -> tuple[str, str, str]:
        """Case- and inflection-insensitive (settlement, street, house) for matching places."""
        return (_stem(self.settlement), _stem(self.street), self.house.lower().replace(" ", ""))

    @property
    def label(self) -> str:
        """The place as a reader would write it, e.g. 'Искитим, улица Пушкина, 12'."""
        street = f"{self.street_type} {self.street}".strip() if self.street else ""
        return ", ".join(part for part in (self.settlement, street, self.house) if part)

    def __bool__(self) -> bool:
        return bool(self.settlement or self.street)


def _stem(name: str) -> str:
    """Lowercase a place name and cut case endings: «Юбилейной», «Юбилейная» -> 'юбилейн'."""
    words = []
    for word in name.lower().replace("ё", "е").split():
        if len(word) > 4 and _ADJ_ENDING.search(word):
            word = _ADJ_ENDING.sub("", word)
        elif len(word) > 4:
            word = _FINAL_VOWEL.sub("", word)
        words.append(word)
    return " ".join(words)


def _house(raw: str | None) -> str:
    """Normalise a house number: «15 корп. 2», «15, к2» -> '15к2'."""
    house = re.sub(r"[\s,.]+", "", raw or "").lower()
    return re.sub(r"корп?", "к", house).replace("стр", "с")


def _is_name(word: str) -> bool:
    return bool(word) and word.split()[0].lower() not in _NOT_NAMES


def compatible(a: Place, b: Place) -> bool:
    """True when two places can be the same: equal where both name a part."""
    return all(x == y or not x or not y for x, y in zip(a.key, b.key))


def _street(text: str) -> tuple[str, str, str, int, int]:
    """Return (name, type, house, start, end) of the first street in `text`."""
    for pattern in (_TYPED, _NAMED):
        for match in pattern.finditer(text):
            if _is_name(match.group("name")):
                kind = next(k for k, v in match.groupdict().items() if v and k in _TYPE_WORDS)
                house = _house(match.group("house"))
                return match.group("name"), _TYPE_WORDS[kind], house, *match.span()
    for match in _BARE.finditer(text):
        if _is_name(match.group("name")):
            house = _house(match.group("house"))
            return match.group("name"), "", house, match.start("name"), match.end()
    for match in _BARE_NAME.finditer(text):
        if _is_name(match.group("name")):
            return match.group("name"), "", "", match.start("name"), match.end()
    return "", "", "", -1, -1


def extract_place(text: str) -> Place:
    """Return the first place named in one appeal text (an empty `Place` if none)."""
    text = str(text)
    street, street_type, house, start, end = _street(text)
    if street and not house:
        after = _HOUSE_WORD.search(text, end)
        if after and after.start() - end < 40:
            house = _house(after.group("house"))
        else:
            before = list(_HOUSE_WORD.finditer(text[max(0, start - 40) : start]))
            house = _house(before[-1].group("house")) if before else ""
    settlement = ""
    found = next((m for m in _SETTLEMENT.finditer(text) if _is_name(m.group("name"))), None)
    if found and found.group("name") != street:
        settlement = found.group("name")
        start, end = (
            (found.start(), found.end())
            if start < 0
            else (min(start, found.start()), max(end, found.end()))
        )
    elif start >= 0:
        window = text[max(0, start - 40) : start]
        before = _BEFORE.search(window)
        initial = before is not None and window[: before.start()].endswith(".")
        if before and _is_name(before.group("name")) and not initial:
            settlement = before.group("name")
            start -= len(window) - before.start()
    return Place(settlement, street, street_type, house, start, end)
