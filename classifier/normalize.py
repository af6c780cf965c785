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
from itertools import chain

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
# The leading look-ahead names every first character of a match: the engine tries the
# rest only there. The patterns below that start with one do so for the same reason.
_PHONE = re.compile(
    r"(?=[+\d])(?:(?<![\w+])(?:\+7|8|7)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"
    r"|(?<![\w-])\d{3}-\d{2}-\d{2}(?![\d-]))"
)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_CAMEL = re.compile(r"(?<=[a-zа-яё])(?=[A-ZА-ЯЁ])")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]+")

# Abbreviations common in appeals, matched before punctuation is stripped, so that
# «тел.» never becomes «тело» and «д. 5» is a house number.
# A number glued to an abbreviation («пр-т8», «р-н5») counts as a separate word, since
# normalizing splits them anyway. Each rule applies only at the start of a word; the
# check sits in `_expand`, not in a look-behind, since a match the check rejects still
# consumes its text. On a tie at one position the earlier rule wins.
_ABBREVIATION_RULES: tuple[tuple[str, str], ...] = (
    (r"р-н(?![^\W\d])", " район "),
    (r"мкр-н(?![^\W\d])\.?", " микрорайон "),
    (r"мкрн?\.", " микрорайон "),
    (r"мкрн?(?=[\s\d])", " микрорайон "),
    (r"пр-т(?![^\W\d])\.?", " проспект "),
    (r"пр-кт(?![^\W\d])\.?", " проспект "),
    (r"просп\.", " проспект "),
    (r"ул\.", " улица "),
    (r"ул(?=\s+[А-ЯЁа-яё])", " улица "),
    (r"пер\.", " переулок "),
    (r"пос\.", " поселок "),
    (r"п\.(?=\s*(?-i:[А-ЯЁ]))", " поселок "),
    (r"пгт\.?(?![^\W\d])", " поселок "),
    (r"обл\.", " область "),
    (r"тел\.", " телефон "),
    (r"тел(?=\s*[:+\d])", " телефон "),
    (r"руб\.", " рублей "),
    (r"руб(?![^\W\d])", " рублей "),
    (r"₽", " рублей "),
    (r"г\.(?=\s*(?-i:[А-ЯЁ]))", " город "),
    (r"д\.(?=\s*\d)", " дом "),
    (r"д(?=\s+\d)", " дом "),
    (r"кв\.(?=\s*\d)", " квартира "),
    (r"кв(?=\s+\d)", " квартира "),
    (r"т\.\s?к\.", " так как "),
    (r"т\.\s?е\.", " то есть "),
    (r"и т\.\s?д\.?", " "),
    (r"и т\.\s?п\.?", " "),
)


def _by_first_letter(rules: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One case-insensitive pattern of all rules, grouped by their literal first letter.

    At one position only the rules of that position's letter can match, tried in their
    order, so a match is the one the plain alternation of the rules would give. The
    grouping, the leading look-ahead and the absence of capturing groups spare the
    regex engine most of its work at each character.
    """
    groups: dict[str, list[str]] = {}
    for pattern, _ in rules:
        first, rest = pattern[0], pattern[1:]
        if not (first.isalpha() or first == "₽") or rest[:1] in ("?", "*", "+", "{"):
            raise ValueError(f"an abbreviation rule must start with a letter: {pattern!r}")
        if re.compile(pattern).groups:
            raise ValueError(f"an abbreviation rule must not capture: {pattern!r}")
        groups.setdefault(first, []).append(rest)
    branches = "|".join(f"{first}(?:{'|'.join(bodies)})" for first, bodies in groups.items())
    return re.compile(f"(?=[{''.join(groups)}])(?:{branches})", re.I)


_ABBREVIATIONS = _by_first_letter(_ABBREVIATION_RULES)
# The same rules tried at word starts only, which spares the engine every other
# position (half the pass's time). It differs from _ABBREVIATIONS only where a match
# inside a word, which _ABBREVIATIONS consumes and _expand gives back unchanged, holds
# the start of a word at which a rule matches: that takes a rule with a non-word
# character inside it (only «пр-т. к.», «пр-т. е.», «и т. д.», «и т. п.» can) after a letter.
_ABBREVIATIONS_AT_WORD_START = re.compile(r"(?<!\w)" + _ABBREVIATIONS.pattern, re.I)
_HIDDEN_WORD_START = re.compile(r"(?<=\w)(?:пр-т\.\s?[ке]\.|и т\.\s?[дп])", re.I)
_RULES = tuple(
    (re.compile(pattern, re.I), replacement) for pattern, replacement in _ABBREVIATION_RULES
)

# Rules anchored on a preceding number: «2023 г.» is a year, «500 р.» roubles.
_AFTER_NUMBER = re.compile(r"(?<=\d)\s*г\.(?=\s*[а-яё,.;:!?)]|\s*$)|(?<=\d)(\s?)р\.?(?!\w)", re.I)
# What every match of _AFTER_NUMBER contains; starting with a digit, it is a fast search.
_AFTER_NUMBER_HINT = re.compile(r"\d\s*[гр]", re.I)
_DIGIT = re.compile(r"\d")


def _expand(match: re.Match[str]) -> str:
    start = match.start()
    text = match.string
    if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return match.group(0)
    # The first rule that matches here is the one the pattern matched.
    for rule, replacement in _RULES:
        if rule.match(text, start):
            return replacement
    raise AssertionError(f"no abbreviation rule matches at {start}: {text!r}")


def _after_number(match: re.Match[str]) -> str:
    return " рублей " if match.group(0).rstrip(".").lower().endswith("р") else " год "


# Starting with a plain (case-sensitive) class, the search skips to candidates in C;
# [hHwW.] holds every character that «h», «w» and «.» match with re.IGNORECASE.
_URL_HINT = re.compile(
    r"(?-i:[hHwW.])(?:(?<=[hH])ttps?:|(?<=[wW])ww\.|(?<=\.)(?:ru|рф|com|org|net|su)\b)", re.I
)

_HOUSE = re.compile(r"(?<=\bдом )\d+[а-яa-z]?(?:/\d+)?(?:\s?(?:к|корп|стр)\.?\s?\d+)?\b")
_FLAT = re.compile(r"(?<=\bквартира )\d+\b")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*(?:-?[а-я]{1,3}\b)?")
_TOKEN = re.compile(r"_[a-z]+_|[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")
_ELONGATION = re.compile(r"([а-яa-z])\1{2,}")

# Latin letters that look like Cyrillic ones, as they appear after lowercasing.
_LOOKALIKE = str.maketrans("aeopcxykmtbh", "аеорсхукмтвн")
_MIXED_WORD = re.compile(r"[a-zа-я]*(?:[a-z][а-я]|[а-я][a-z])[a-zа-я]*")
# A mixed word has a Latin letter next to a Cyrillic one: two fast searches find out.
_LATIN_CYRILLIC = re.compile(r"[a-z][а-я]")
_CYRILLIC_LATIN = re.compile(r"[а-я][a-z]")


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
    tokens, recheck = _normalize_once(text)
    out = " ".join(tokens)
    # Stripping punctuation can bring an abbreviation next to the word it needs
    # («45 мкр?» becomes «мкр»): repeat on the result until nothing changes, so that
    # normalizing twice gives the same result as once. Only a result in which a rule
    # could still match is repeated, and one repeat is usually enough.
    for _ in range(_MAX_REPEATS):
        if not recheck:
            break
        tokens, recheck = _normalize_once(out)
        again = " ".join(tokens)
        if again == out:
            break
        out = again
    return out


def normalize_words(text: str) -> list[str]:
    """Return ``normalize_text(text).split()``, mostly without building the string.

    The tokens of words seen before are the very string objects of the word cache,
    whose hashes Python keeps: the compiled scorer's own look-ups then cost less.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    tokens, recheck = _normalize_once(text)
    return normalize_text(text).split() if recheck else tokens


_MAX_REPEATS = 4
# The words of a result on which a rule can still match, alone or in a hyphenated
# word: a result has no digits, dots or capitals, which the other rules need. The
# property test in tests/test_normalize.py fails if a new rule needs a word added here.
_RECHECK_WORDS = ("р-н", "мкр-н", "мкрн", "мкр", "пр-т", "пр-кт", "ул", "пгт", "руб")
_RECHECK = re.compile(rf"(?<![^\s-])(?:{'|'.join(_RECHECK_WORDS)})(?![^\s-])")


def _normalize_once(text: str) -> tuple[list[str], bool]:
    """One pass of the rules over `text`: the tokens, and whether _RECHECK matches their string."""
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
    if has_digit and _AFTER_NUMBER_HINT.search(text):
        text = _AFTER_NUMBER.sub(_after_number, text)
    # Every such case has «т.»: `in` rules out the rest of texts faster than a search.
    if ("т." in text or "Т." in text) and _HIDDEN_WORD_START.search(text):
        text = _ABBREVIATIONS.sub(_expand, text)
    else:
        text = _ABBREVIATIONS_AT_WORD_START.sub(_expand, text)
    text = text.lower().replace("ё", "е")
    text = " ".join(text.split())
    if has_digit:
        # Both patterns start with a look-behind on a literal, which `in` finds faster.
        if "дом " in text:
            text = _HOUSE.sub("_house_", text)
        if "квартира " in text:
            text = _FLAT.sub("_flat_", text)
    return _finish_words(text)


def _finish_words(text: str) -> tuple[list[str], bool]:
    """The tokens of `text` and whether _RECHECK matches their string, a word at a time.

    From here on every rule stays inside a word: `text` has only single spaces (and
    those _NUMBER adds), and no pattern below matches or looks across one. So the
    result is the words' results joined, and each distinct word is worked out once.
    """
    cache = _WORD_CACHE
    if len(cache) >= _WORD_CACHE_SIZE:
        cache.clear()
    words = text.split(" ")
    parts = list(map(cache.get, words))
    recheck = False
    if None in parts:
        for i, part in enumerate(parts):
            if part is None:
                word = words[i]
                part = parts[i] = _finish_word(word)
                # A result _RECHECK matches is never cached, so a cached one needs no check.
                if _RECHECK.search(" ".join(part)):
                    recheck = True
                elif len(word) <= _WORD_CACHE_LENGTH:
                    cache[word] = part
    return list(chain.from_iterable(parts)), recheck


# Word forms -> tokens (from _finish_word). Bounded in entries and word length, so that
# random or hostile input cannot grow it without limit; cleared, not evicted, when full.
_WORD_CACHE: dict[str, tuple[str, ...]] = {}
_WORD_CACHE_SIZE = 200_000
_WORD_CACHE_LENGTH = 64


def _finish_word(word: str) -> tuple[str, ...]:
    """Numbers, look-alike letters, elongations and tokens of one word (see _finish_words)."""
    # Without a digit or a Latin letter next to a Cyrillic one the pattern cannot match.
    if _DIGIT.search(word):
        word = _NUMBER.sub(" _num_ ", word)
    if _LATIN_CYRILLIC.search(word) or _CYRILLIC_LATIN.search(word):
        word = _MIXED_WORD.sub(_fix_lookalikes, word)
    word = _ELONGATION.sub(r"\1", word)
    return tuple(_TOKEN.findall(word))
