"""Languages of what analysts read: Russian first, English as an option.

Reports, the analysts' page and the model card take ``lang`` ("ru" or "en"). Numbers
are written the way each language writes them:

>>> percent(0.43, "ru")
'43,0\\xa0%'
>>> percent(0.43, "en")
'43.0%'
>>> number(29763, "ru"), number(29763, "en")
('29\\xa0763', '29,763')
>>> plural(21, "обращение", "обращения", "обращений")
'обращение'
>>> month_name("2026-03", "ru"), month_name("2026-03", "en")
('март 2026', 'Mar 2026')
"""

from __future__ import annotations

from classifier.errors import InputError
from classifier.labels import LABELS_RU

LANGS: tuple[str, ...] = ("ru", "en")
DEFAULT_LANG = "ru"

# Russian puts a no-break space before % and between groups of thousands.
NBSP = "\u00a0"

LABELS_EN: dict[str, str] = {
    "housing": "housing and utilities / landscaping",
    "waste": "waste reform",
    "roads": "roads and transport",
    "ecology": "ecology",
    "other": "other",
}

_MONTHS = {
    "ru": (
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def check_lang(lang: str, *, param: str = "lang") -> str:
    """Return `lang` if it is one of `LANGS`, else raise `InputError` naming `param`."""
    if lang not in LANGS:
        raise InputError(f"{param} must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def category_name(label: str, lang: str) -> str:
    """Return the name of a label in `lang`, as in the labelling standard."""
    return (LABELS_RU if lang == "ru" else LABELS_EN)[label]


def decimal(value: float, lang: str, *, digits: int = 1) -> str:
    """Return `value` with `digits` decimals and the language's decimal mark."""
    text = f"{value:,.{digits}f}"
    if lang == "ru":
        return text.replace(",", NBSP).replace(".", ",")
    return text


def percent(share: float, lang: str, *, digits: int = 1) -> str:
    """Return a share (0.43) as a percentage: ``43,0 %`` in Russian, ``43.0%`` in English."""
    value = decimal(share * 100, lang, digits=digits)
    return f"{value}{NBSP}%" if lang == "ru" else f"{value}%"


def number(n: int, lang: str) -> str:
    """Return a count with the language's thousands separator."""
    return decimal(n, lang, digits=0)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Return the Russian word form for `n`: 1 обращение, 2 обращения, 5 обращений."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def appeals(n: int, lang: str) -> str:
    """Return "N appeals" with the number formatted and the noun agreed."""
    if lang == "ru":
        return f"{number(n, lang)} {plural(n, 'обращение', 'обращения', 'обращений')}"
    return f"{number(n, lang)} appeal{'' if n == 1 else 's'}"


def month_name(month: str, lang: str) -> str:
    """Return a calendar month ("2026-03") as words: ``март 2026`` or ``Mar 2026``."""
    year, _, index = month.partition("-")
    if not (year.isdigit() and index.isdigit() and 1 <= int(index) <= 12):
        return month
    return f"{_MONTHS[lang][int(index) - 1]} {year}"


# The package's errors are English; the page shows the commonest ones in Russian. Each
# pattern matches the message after "<file>: " and keeps its specifics (names, rows).
_ERRORS_RU: tuple[tuple[str, str], ...] = (
    (r"missing column\(s\) (.+); columns present: (.*)", r"нет колонки \1; в файле есть: \2"),
    (r"unknown file type (.+); use one of (.+)", r"неизвестный тип файла \1; подходят: \2"),
    (
        r"column (.+): no appeal has a text, nothing to classify \(all (\d+) are empty\)",
        r"колонка \1: ни в одной строке нет текста обращения (все \2 пустые)",
    ),
    (
        r"column (.+): no appeal has a text, nothing to classify \(no rows\)",
        r"колонка \1: в файле нет ни одной строки с обращением",
    ),
    (r"cannot read as (\w+): (.*)", r"не читается как \1: \2"),
    (
        r"row (\d+)( \(line \d+\))? has (\d+) fields but the header has (\d+) \((.*)\)",
        r"строка \1\2: полей \3, а в заголовке \4 (\5)",
    ),
    (
        r"row (\d+) has values beyond the header's (\d+) columns; give those columns a name in row 1",
        r"в строке \1 больше значений, чем колонок в заголовке (\2); дайте этим колонкам имена в первой строке",
    ),
    (
        r"row 1, column (\d+): the column name (.+) appears twice; give every column its own name",
        r"строка 1, колонка \1: имя колонки \2 повторяется; дайте каждой колонке своё имя",
    ),
    (
        r"column (.+) is empty in every row: nothing is labelled",
        r"колонка \1 пуста во всех строках: ничего не размечено",
    ),
    (
        r"column (.+): (\d+) unknown label\(s\) \((.*)\); use one of (.*)",
        r"колонка \1: \2 неизвестных категорий (\3); используйте одну из: \4",
    ),
)


def translate_error(message: str, lang: str) -> str:
    """Return an error message of the package in `lang` where a translation is known.

    >>> translate_error("a.csv: missing column(s) 'text'; columns present: 'msg'", "ru")
    "a.csv: нет колонки 'text'; в файле есть: 'msg'"
    >>> translate_error("a.csv: something rare", "ru")
    'a.csv: something rare'
    """
    import re

    if lang != "ru":
        return message
    where, sep, rest = message.partition(": ")
    candidates = [(where + sep, rest), ("", message)] if sep else [("", message)]
    for prefix, body in candidates:
        for pattern, replacement in _ERRORS_RU:
            translated, count = re.subn(f"^{pattern}$", replacement, body, flags=re.S)
            if count:
                return prefix + translated
    return message
