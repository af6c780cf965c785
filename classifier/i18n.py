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
