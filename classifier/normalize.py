"""Text normalization: case, ё, placeholders, look-alike letters, abbreviations.

The output is a string of lowercase tokens separated by single spaces, which both
the lemma channel and the character n-gram channel read. Normalizing twice gives
the same result as normalizing once.

>>> normalize_text("Звоните: +7 (912) 345-67-89, ул. Мира, д. 5, кв. 12!!!")
'звоните _phone_ улица мира дом _house_ квартира _flat_'
>>> normalize_text("Опять мусoр не вывезли 😡 #ЖКХ")
'опять мусор не вывезли _emoji_ _hashtag_ жкх'
"""

from __future__ import annotations

import re
import unicodedata

PLACEHOLDERS: tuple[str, ...] = (
    "_url_",
    "_email_",
    "_phone_",
    "_mention_",
    "_hashtag_",
    "_house_",
    "_flat_",
    "_num_",
    "_emoji_",
)

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:ru|рф|com|org|net|su)(?:/\S*)?", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+7|8|7)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"
    r"|(?<![\w-])\d{3}-\d{2}-\d{2}(?![\d-])"
)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_CAMEL = re.compile(r"(?<=[a-zа-яё])(?=[A-ZА-ЯЁ])")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]+")

# Abbreviations common in appeals, matched before punctuation is stripped, so that
# «тел.» never becomes «тело» and «д. 5» is a house number.
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), repl)
    for pattern, repl in (
        (r"(?<!\w)р-н(?!\w)", " район "),
        (r"(?<!\w)мкр-н(?!\w)\.?|(?<!\w)мкрн?\.|(?<!\w)мкрн?(?=\s)", " микрорайон "),
        (r"(?<!\w)пр-т(?!\w)\.?|(?<!\w)пр-кт(?!\w)\.?|(?<!\w)просп\.", " проспект "),
        (r"(?<!\w)ул\.|(?<!\w)ул(?=\s+[А-ЯЁа-яё])", " улица "),
        (r"(?<!\w)пер\.", " переулок "),
        (r"(?<!\w)пос\.|(?<!\w)п\.(?=\s*[А-ЯЁ])|(?<!\w)пгт\.?(?!\w)", " поселок "),
        (r"(?<!\w)обл\.", " область "),
        (r"(?<!\w)тел\.|(?<!\w)тел(?=\s*[:+\d])", " телефон "),
        (r"(?<!\w)руб\.|(?<!\w)(?<=\d\s)р\.|(?<=\d)р\.?(?!\w)|(?<!\w)₽", " рублей "),
        (r"(?<=\d)\s*г\.(?=\s*[а-яё,.;:!?)]|\s*$)", " год "),
        (r"(?<!\w)г\.(?=\s*[А-ЯЁ])", " город "),
        (r"(?<!\w)д\.(?=\s*\d)|(?<!\w)д(?=\s+\d)", " дом "),
        (r"(?<!\w)кв\.(?=\s*\d)|(?<!\w)кв(?=\s+\d)", " квартира "),
        (r"(?<!\w)т\.\s?к\.", " так как "),
        (r"(?<!\w)т\.\s?е\.", " то есть "),
        (r"(?<!\w)и т\.\s?д\.?|(?<!\w)и т\.\s?п\.?", " "),
    )
)

_HOUSE = re.compile(r"(?<=\bдом )\d+[а-яa-z]?(?:/\d+)?(?:\s?(?:к|корп|стр)\.?\s?\d+)?\b")
_FLAT = re.compile(r"(?<=\bквартира )\d+\b")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*(?:-?[а-я]{1,3}\b)?")
_TOKEN = re.compile(r"_[a-z]+_|[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")
_ELONGATION = re.compile(r"([а-яa-z])\1{2,}")

# Latin letters that look like Cyrillic ones, as they appear after lowercasing.
_LOOKALIKE = str.maketrans("aeopcxykmtbh", "аеорсхукмтвн")
_MIXED_WORD = re.compile(r"[a-zа-я]*(?:[a-z][а-я]|[а-я][a-z])[a-zа-я]*")


def _fix_lookalikes(match: re.Match[str]) -> str:
    word = match.group(0)
    fixed = word.translate(_LOOKALIKE)
    # Only a word that becomes all-Cyrillic was a look-alike; leave mixed words such as brand names.
    return fixed if re.fullmatch(r"[а-я]+", fixed) else word


def _hashtag(match: re.Match[str]) -> str:
    words = _CAMEL.sub(" ", match.group(1)).replace("_", " ")
    return f" _hashtag_ {words} "


def normalize_text(text: str) -> str:
    """Return the normalized token string of one raw appeal text."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    # NFKC would turn «№» into «No».
    text = unicodedata.normalize("NFKC", text.replace("№", " "))
    text = _EMAIL.sub(" _email_ ", text)
    text = _URL.sub(" _url_ ", text)
    text = _PHONE.sub(" _phone_ ", text)
    text = _MENTION.sub(" _mention_ ", text)
    text = _HASHTAG.sub(_hashtag, text)
    text = _EMOJI.sub(" _emoji_ ", text)
    for pattern, repl in _ABBREVIATIONS:
        text = pattern.sub(repl, text)
    text = text.lower().replace("ё", "е")
    text = " ".join(text.split())
    text = _HOUSE.sub("_house_", text)
    text = _FLAT.sub("_flat_", text)
    text = _NUMBER.sub(" _num_ ", text)
    text = _MIXED_WORD.sub(_fix_lookalikes, text)
    text = _ELONGATION.sub(r"\1", text)
    return " ".join(_TOKEN.findall(text))
