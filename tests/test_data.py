"""Reading labelled tables: formats, encodings, label names, and every bad-input message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from classifier import InputError, read_labelled
from classifier.aliases import read_mapping, resolve_label
from classifier.tables import read_table

ROWS = pd.DataFrame(
    {
        "id": ["1", "2", "3"],
        "text": ["Нет горячей воды; совсем", "Мусор, баки полные", "Яма\tна дороге"],
        "label": ["ЖКХ", "мусор", "Дороги и транспорт"],
    }
)


def _csv(sep: str, encoding: str):
    return lambda frame, path: frame.to_csv(path, sep=sep, index=False, encoding=encoding)


WRITERS = {
    "utf8-comma.csv": _csv(",", "utf-8"),
    "utf8bom-semicolon.csv": _csv(";", "utf-8-sig"),
    "cp1251-semicolon.csv": _csv(";", "cp1251"),
    "cp1251-tab.tsv": _csv("\t", "cp1251"),
    "utf8-tab.csv": _csv("\t", "utf-8"),
    "sheet.xlsx": lambda frame, path: frame.to_excel(path, index=False),
    "lines.jsonl": lambda frame, path: frame.to_json(
        path, orient="records", lines=True, force_ascii=False
    ),
    "table.parquet": lambda frame, path: frame.to_parquet(path, index=False),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_format_reads_the_same(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    WRITERS[name](ROWS, path)
    # The same values; the dtypes follow the format (Parquet keeps its Arrow types).
    assert read_table(path).to_dict("list") == ROWS.to_dict("list")
    data = read_labelled(path)
    assert data.texts == ROWS["text"].tolist()
    assert data.labels == ["housing", "waste", "roads"]


@pytest.mark.parametrize(
    "name, code",
    [
        ("housing", "housing"),
        ("ЖКХ", "housing"),
        ("ЖКХ и благоустройство", "housing"),
        ("  жкх  И   благоустройство ", "housing"),
        ("Мусорная реформа", "waste"),
        ("ТКО", "waste"),
        ("дороги", "roads"),
        ("Транспорт", "roads"),
        ("Экология", "ecology"),
        ("прочее", "other"),
        ("Другое", "other"),
        ("ёлки", None),
    ],
)
def test_label_aliases(name: str, code: str | None) -> None:
    assert resolve_label(name) == code


def write(tmp_path: Path, rows: list[dict], name: str = "data.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "rows, kwargs, message",
    [
        (
            [{"message": "a", "label": "waste"}],
            {},
            "missing column(s) 'text'; columns present: 'message', 'label'",
        ),
        (
            [{"message": "a", "category": "waste"}],
            {"text_col": "message", "label_col": "label"},
            "missing column(s) 'label'; columns present: 'message', 'category'",
        ),
        (
            [{"text": "a", "label": "мусорка"}, {"text": "b", "label": "мусорка"}],
            {},
            "unknown label(s) 'мусорка' ×2 (did you mean 'мусор' = waste?) (first at row 2)",
        ),
        (
            [{"text": "a", "label": "waste"}, {"text": "b", "label": "roadz"}],
            {},
            "column 'label': unknown label(s) 'roadz' ×1 (did you mean 'roads'?) (first at row 3)",
        ),
    ],
)
def test_bad_input_messages(tmp_path: Path, rows, kwargs, message: str) -> None:
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as info:
        read_labelled(path, **kwargs)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_empty_texts_are_dropped_and_counted(tmp_path: Path) -> None:
    rows = [{"text": t, "label": "waste"} for t in ["a", "", "  ", "b"]]
    data = read_labelled(write(tmp_path, rows))
    assert data.texts == ["a", "b"]
    assert data.dropped_empty == [3, 4]
    assert "dropped 2 row(s) with empty text (rows 3, 4)" in data.notes()[0]


def test_duplicates_are_dropped_and_conflicts_reported(tmp_path: Path) -> None:
    rows = [
        {"text": "Нет воды", "label": "housing"},
        {"text": "Яма", "label": "roads"},
        {"text": "Нет  воды ", "label": "housing"},  # the same text, other white space
        {"text": "Яма", "label": "housing"},
        {"text": "Яма", "label": "roads"},
    ]
    data = read_labelled(write(tmp_path, rows))
    assert data.texts == ["Нет воды", "Яма"]
    assert data.labels == ["housing", "roads"]  # the majority label wins
    assert data.dropped_duplicates == [4, 5, 6]
    [conflict] = data.conflicts
    assert conflict.labels == {"roads": 2, "housing": 1} and conflict.rows == [3, 5, 6]
    notes = "\n".join(data.notes())
    assert "dropped 3 duplicate text(s) (rows 4, 5, 6)" in notes
    assert "rows 3, 5, 6 have the same text with different labels (roads ×2, housing ×1)" in notes


def test_conflict_tie_keeps_the_first_label(tmp_path: Path) -> None:
    rows = [{"text": "Дым", "label": "ecology"}, {"text": "Дым", "label": "housing"}]
    assert read_labelled(write(tmp_path, rows)).labels == ["ecology"]


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_user_label_mapping(tmp_path: Path, kind: str) -> None:
    mapping = {"Уборка снега": "дороги", "Котельные": "housing"}
    if kind == "json":
        path = tmp_path / "map.json"
        path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    else:
        path = write(tmp_path, [{"name": k, "label": v} for k, v in mapping.items()], "map.csv")
    rows = [{"text": "снег", "label": "Уборка снега"}, {"text": "тепло", "label": "котельные"}]
    data = read_labelled(write(tmp_path, rows), labels_map=path)
    assert data.labels == ["roads", "housing"]


def test_bad_label_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "Снег", "label": "погода"}], "map.csv")
    with pytest.raises(InputError, match=r"map.csv: row 2: 'погода' is not a label"):
        read_mapping(path)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("data.doc", b"x", "unknown file type '.doc'"),
        ("data.xlsx", b"not a workbook", "cannot read as XLSX"),
        ("data.parquet", b"not parquet", "cannot read as PARQUET"),
        ("data.jsonl", b'{"text": "a"}\n{broken', "cannot read as JSONL"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_table(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_labelled(tmp_path / "nothing.csv")
