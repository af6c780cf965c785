"""The five labels of the labelling standard and the published split."""

from __future__ import annotations

LABELS: tuple[str, ...] = ("housing", "waste", "roads", "ecology", "other")

LABELS_RU: dict[str, str] = {
    "housing": "ЖКХ и благоустройство",
    "waste": "мусорная реформа",
    "roads": "дороги и транспорт",
    "ecology": "экология",
    "other": "прочее",
}

# Share of each label among ~7,500 appeals a year received through social networks.
PUBLISHED_SHARES: dict[str, float] = {
    "housing": 0.45,
    "waste": 0.15,
    "roads": 0.13,
    "ecology": 0.10,
    "other": 0.17,
}


def label_choice(code: str) -> str:
    """Return the drop-down entry of a label in labelling sheets.

    >>> label_choice("waste")
    'waste — мусорная реформа'
    """
    return f"{code} — {LABELS_RU[code]}"
