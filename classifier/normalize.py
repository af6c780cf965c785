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
# A number glued to an abbreviation («пр-т8», «р-н5») counts as a separate word, since
# normalizing splits them anyway. Each rule applies only at the start of a word. The check sits in `_expand`, not in a
# leading look-behind, because a pattern that starts with literals lets the regex
# engine jump between candidate first letters instead of trying every position.
_ABBREVIATION_RULES: tuple[tuple[str, str], ...] = (
    (r"р-н(?![^\W\d])", " район "),
    (r"мкр-н(?![^\W\d])\.?|мкрн?\.|мкрн?(?=[\s\d])", " микрорайон "),
    (r"пр-т(?![^\W\d])\.?|пр-кт(?![^\W\d])\.?|просп\.", " проспект "),
    (r"ул\.|ул(?=\s+[А-ЯЁа-яё])", " улица "),
    (r"пер\.", " переулок "),
    (r"пос\.|п\.(?=\s*(?-i:[А-ЯЁ]))|пгт\.?(?![^\W\d])", " поселок "),
    (r"обл\.", " область "),
    (r"тел\.|тел(?=\s*[:+\d])", " телефон "),
    (r"руб\.|руб(?![^\W\d])|₽", " рублей "),
    (r"г\.(?=\s*(?-i:[А-ЯЁ]))", " город "),
    (r"д\.(?=\s*\d)|д(?=\s+\d)", " дом "),
    (r"кв\.(?=\s*\d)|кв(?=\s+\d)", " квартира "),
    (r"т\.\s?к\.", " так как "),
    (r"т\.\s?е\.", " то есть "),
    (r"и т\.\s?д\.?|и т\.\s?п\.?", " "),
)
# On a tie at one position the earlier rule wins.
_ABBREVIATIONS = re.compile(
    "|".join(f"(?P<a{i}>{pattern})" for i, (pattern, _) in enumerate(_ABBREVIATION_RULES)),
    re.I,
)
_ABBREVIATION_REPLACEMENTS = {f"a{i}": repl for i, (_, repl) in enumerate(_ABBREVIATION_RULES)}
# Rules anchored on a preceding number: «2023 г.» is a year, «500 р.» roubles.
_AFTER_NUMBER = re.compile(r"(?<=\d)\s*г\.(?=\s*[а-яё,.;:!?)]|\s*$)|(?<=\d)(\s?)р\.?(?!\w)", re.I)
_DIGIT = re.compile(r"\d")


def _expand(match: re.Match[str]) -> str:
    start = match.start()
    if start and (match.string[start - 1].isalnum() or match.string[start - 1] == "_"):
        return match.group(0)
    return _ABBREVIATION_REPLACEMENTS[match.lastgroup]


def _after_number(match: re.Match[str]) -> str:
    return " рублей " if match.group(0).rstrip(".").lower().endswith("р") else " год "


_LATIN = re.compile(r"[a-z]")
_URL_HINT = re.compile(r"https?:|www\.|\.(?:ru|рф|com|org|net|su)\b", re.I)

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
    out = _normalize_once(text)
    # Stripping punctuation can bring an abbreviation next to the word it needs
    # («45 мкр?» becomes «мкр»): repeat on the result until nothing changes, so that
    # normalizing twice gives the same result as once. Only a result in which a rule
    # could still match is repeated, and one repeat is usually enough.
    for _ in range(_MAX_REPEATS):
        if not _RECHECK.search(out):
            break
        again = _normalize_once(out)
        if again == out:
            break
        out = again
    return out


_MAX_REPEATS = 4
# The words of a result on which a rule can still match, alone or in a hyphenated
# word: a result has no digits, dots or capitals, which the other rules need. The
# property test in tests/test_normalize.py fails if a new rule needs a word added here.
_RECHECK_WORDS = ("р-н", "мкр-н", "мкрн", "мкр", "пр-т", "пр-кт", "ул", "пгт", "руб")
_RECHECK = re.compile(rf"(?<![^\s-])(?:{'|'.join(_RECHECK_WORDS)})(?![^\s-])")


def _normalize_once(text: str) -> str:
    """One pass of the rules over `text`."""
    # NFKC would turn «№» into «No».
    text = unicodedata.normalize("NFKC", text.replace("№", " "))
    # Each pattern runs only where it can match: most appeals have no «@», «#» or link.
    if "@" in text:
        text = _EMAIL.sub(" _email_ ", text)
        text = _MENTION.sub(" _mention_ ", text)
    if _URL_HINT.search(text):
        text = _URL.sub(" _url_ ", text)
    has_digit = _DIGIT.search(text) is not None
    if has_digit:
        text = _PHONE.sub(" _phone_ ", text)
    if "#" in text:
        text = _HASHTAG.sub(_hashtag, text)
    text = _EMOJI.sub(" _emoji_ ", text)
    if has_digit:
        text = _AFTER_NUMBER.sub(_after_number, text)
    text = _ABBREVIATIONS.sub(_expand, text)
    text = text.lower().replace("ё", "е")
    text = " ".join(text.split())
    if has_digit:
        text = _HOUSE.sub("_house_", text)
        text = _FLAT.sub("_flat_", text)
        text = _NUMBER.sub(" _num_ ", text)
    if _LATIN.search(text):
        text = _MIXED_WORD.sub(_fix_lookalikes, text)
    text = _ELONGATION.sub(r"\1", text)
    return " ".join(_TOKEN.findall(text))
