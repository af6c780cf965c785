"""Generated hard inputs for text normalization, the same on every run (fixed seed).

The pieces aim at each rule of `classifier.normalize` and at the Unicode corners its
fast paths must not get wrong: characters NFKC changes, characters whose lowercase is
longer or not Cyrillic, non-ASCII digits and spaces, emoji sequences, look-alike
Latin letters, abbreviations glued to numbers and punctuation, and very long texts.
"""

from __future__ import annotations

import random

ABBREVIATIONS = [
    "пр-т", "пр-кт", "просп.", "р-н", "мкр-н", "мкр.", "мкр", "мкрн", "мкрн.", "ул.", "ул",
    "Ул.", "УЛ", "пер.", "пос.", "п.", "П.", "пгт", "пгт.", "обл.", "тел.", "тел", "Тел:",
    "руб.", "руб", "₽", "р.", "р", "г.", "Г.", "г", "д.", "Д.", "д", "кв.", "Кв", "кв",
    "т.к.", "т. к.", "Т.К.", "т.е.", "т. е.", "и т.д.", "и т. д", "и т.п.", "№", "No",
    "корп.", "к.", "стр.", "лит.", "пр.", "ш.", "наб.",
]  # fmt: skip
WORDS = [
    "мусор", "Мусор", "МУСОР", "ёлка", "Ёж", "ЁЛКИ", "подъезд", "вода", "яма", "Мира",
    "Ленина", "Северный", "ТСЖ", "УК", "ЖКХ", "из-за", "кое-где", "Санкт-Петербург",
    "ужаааас", "Ооочень", "ааа", "ммм", "Wi-Fi", "iPhone", "WhatsApp", "ДорогиКузбасса",
    "мусoр", "КOНТЕЙНЕР", "пoдъезд", "cтарый", "xoрошо", "Bода", "MУСОР", "eщё", "ёмкость",
    "camelCase", "ЖКХРоссии", "abc", "ABC", "x", "к", "с", "XXXX", "XXX",
]  # fmt: skip
NUMBERS = [
    "5", "5а", "5А", "12/3", "7к2", "7 к 2", "7 корп. 2", "7 стр 1", "2023", "2023г",
    "500р", "300", "1.5", "3,14", "10:30", "1-й", "2-го", "45-ая", "00", "0", "٣", "١٢",
    "１２", "²", "½", "⅕", "Ⅻ", "𝟓",
]  # fmt: skip
CONTACTS = [
    "+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "7-912-345-67-89", "345-67-89",
    "+79123456789", "8(812)1234567", "ivan.petrov@mail.ru", "a+b@x.y.ru", "@admin_city",
    "@", "#ЖКХ", "#ДорогиКузбасса", "#", "#_", "#мусор_вывоз", "https://vk.com/wall-1_2",
    "http://x.ru", "www.gosuslugi.ru", "gorod.ru", "сайт.рф", "dobrodel.ru/path?x=1",
    "example.com", "mail.net", "a.org/", "x.su", "HTTPS://A.RU", "Www.Site.Com",
]  # fmt: skip
SYMBOLS = [
    "😡", "😡😡", "👍🏻", "👨‍👩‍👧", "1️⃣", "❤️", "☀", "⭐", "🤬", "\u200d", "\ufe0f", "\u20e3",
    "🇷🇺", "ﬁ", "ﬀ", "㎡", "м²", "™", "℃", "Å", "Ω", "K", "İ", "ß", "ẞ", "ǅ", "Σ", "ς",
    "ﬆ", "ǈ", "ŉ", "Ͱ", "\u0301", "е\u0308", "и\u0306", "й", "ё", "Ё", "—", "–", "…", "«»",
    "\u00a0", "\u2009", "\u3000", "\u2028", "\x85", "\x0b", "\x0c", "\t", "\n", "\r\n",
    "\u200b", "\ufeff", "\x00", "_", "__", "_url_", "_num_", "_x_", "-", "--", "/", "\\",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "", "  ", ", ", ". ", ".", ",", "-", "!", "?", "!!!", ":", ";",
              "(", ")", "\n", "\t", "/", "+", "'", '"']  # fmt: skip
POOLS = [ABBREVIATIONS, WORDS, NUMBERS, CONTACTS, SYMBOLS]


def _random_unicode(rng: random.Random, size: int) -> str:
    """Code points from every plane, with Cyrillic, Latin, digits and marks weighted up."""
    ranges = [
        (0x20, 0x7E), (0x400, 0x4FF), (0x300, 0x36F), (0xA0, 0x24F), (0x370, 0x3FF),
        (0x2000, 0x206F), (0x2100, 0x218F), (0x2460, 0x24FF), (0x3000, 0x30FF),
        (0xFB00, 0xFB4F), (0xFE00, 0xFE0F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF),
        (0x1F000, 0x1FAFF), (0x600, 0x6FF), (0x900, 0x97F), (0x4E00, 0x4EFF), (0x0, 0x10FFFF),
    ]  # fmt: skip
    chars = []
    for _ in range(size):
        low, high = rng.choice(ranges)
        code = rng.randint(low, high)
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot occur in text read from a file
            code = 0x44F
        chars.append(chr(code))
    return "".join(chars)


def _piece(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return _random_unicode(rng, rng.randint(1, 8))
    return rng.choice(rng.choice(POOLS))


def adversarial_texts(n: int = 4000, seed: int = 20240501) -> list[str]:
    """Return `n` hard texts plus three long ones (~100 KB), the same for a given seed."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.1:
            texts.append(_random_unicode(rng, rng.randint(0, 40)))
            continue
        parts = []
        for _ in range(rng.randint(1, 14)):
            parts.append(_piece(rng))
            parts.append(rng.choice(SEPARATORS))
        text = "".join(parts)
        if kind > 0.9:
            text = text.upper() if kind > 0.95 else text.title()
        texts.append(text)
    block = " ".join(texts[:300])
    texts.append((block * (100_000 // len(block) + 1))[:100_000])
    texts.append(("Третий день нет горячей воды, ул. Мира д. 5 кв. 12! 😡 " * 2000)[:100_000])
    texts.append("а" * 100_000)
    return texts
