"""Label names analysts use, mapped to the five codes.

>>> resolve_label(" ЖКХ ")
'housing'
>>> resolve_label("Мусорная реформа")
'waste'
>>> resolve_label("котики") is None
True
"""

from __future__ import annotations

import json
from pathlib import Path

from classifier.errors import InputError
from classifier.labels import LABELS, LABELS_RU, label_choice

_ALIASES: dict[str, str] = {
    **{code: code for code in LABELS},
    **{name: code for code, name in LABELS_RU.items()},
    **{label_choice(code): code for code in LABELS},
    "жкх": "housing",
    "жкх/благоустройство": "housing",
    "жкх, благоустройство": "housing",
    "жилищно-коммунальное хозяйство": "housing",
    "благоустройство": "housing",
    "коммуналка": "housing",
    "коммунальные услуги": "housing",
    "мусор": "waste",
    "тко": "waste",
    "вывоз мусора": "waste",
    "отходы": "waste",
    "мусорная": "waste",
    "регоператор": "waste",
    "дороги": "roads",
    "дорога": "roads",
    "транспорт": "roads",
    "дороги/транспорт": "roads",
    "дороги, транспорт": "roads",
    "общественный транспорт": "roads",
    "дорожное хозяйство": "roads",
    "экология": "ecology",
    "окружающая среда": "ecology",
    "природа": "ecology",
    "прочее": "other",
    "другое": "other",
    "иное": "other",
    "разное": "other",
    "остальное": "other",
}


def normalize_label(name: str) -> str:
    """Return a label name lowercased, with ё as е and single spaces."""
    return " ".join(str(name).lower().replace("ё", "е").split())


ALIASES: dict[str, str] = {normalize_label(name): code for name, code in _ALIASES.items()}


def resolve_label(name: str, mapping: dict[str, str] | None = None) -> str | None:
    """Return the label code for a name, alias or user-mapped name, or None if unknown."""
    key = normalize_label(name)
    if mapping and key in mapping:
        return mapping[key]
    return ALIASES.get(key)


def read_mapping(path: Path | str) -> dict[str, str]:
    """Read a user label mapping: JSON {"name": "label"} or CSV/XLSX with two columns."""
    from classifier.cells import as_text
    from classifier.tables import read_table

    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            pairs = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: cannot read the label mapping: {exc}") from None
        if not isinstance(pairs, dict):
            raise InputError(f'{path}: the label mapping must be a JSON object {{"name": "label"}}')
        items = list(pairs.items())
    else:
        frame = read_table(path)
        if frame.shape[1] < 2:
            raise InputError(f"{path}: the label mapping needs two columns: name, label")
        items = list(zip(as_text(frame.iloc[:, 0]), as_text(frame.iloc[:, 1])))
    mapping = {}
    for row, (name, target) in enumerate(items, start=2):
        code = ALIASES.get(normalize_label(target))
        if code is None:
            raise InputError(
                f"{path}: row {row}: {target!r} is not a label; use one of {', '.join(LABELS)}"
            )
        mapping[normalize_label(name)] = code
    return mapping
