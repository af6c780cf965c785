from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import ConfigError, InputError
from classifier.cli import app
from classifier.incidents import (
    group_incidents,
    incidents_file,
    incidents_path,
    parse_dates,
    parse_window,
    read_incidents,
)
from classifier.places import extract_place
from tests.planted_incidents import PLANTED

runner = CliRunner()
START = pd.Timestamp("2026-10-01 08:00")


def pairwise(truth: list[str], found: list[str]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against the true groups."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same, grouped = truth[i] == truth[j], found[i] == found[j]
        tp += same and grouped
        fp += grouped and not same
        fn += same and not grouped
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def planted(hours_scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"p{i:02d}" for i in range(len(PLANTED))],
            "group": [g for g, *_ in PLANTED],
            "category": [c for _, c, _, _ in PLANTED],
            "date": [str(START + pd.Timedelta(hours=h * hours_scale)) for _, _, h, _ in PLANTED],
            "text": [t for *_, t in PLANTED],
        }
    )


@pytest.mark.parametrize(
    "text, key, label",
    [
        (
            "Искитим ул. Пушкина 12. Нет воды",
            ("искитим", "пушкин", "12"),
            "Искитим, улица Пушкина, 12",
        ),
        ("Кемерово, Ленинградский пр-т 28.", ("кемеров", "ленинградск", "28"), None),
        ("во дворе дома 5 по улице Ленина яма", ("", "ленин", "5"), "улица Ленина, 5"),
        (
            "г. Новосибирск, ул. Красный проспект, д. 15 к 2",
            ("новосибирск", "красн проспект", "15к2"),
            None,
        ),
        ("пос. Листвянка, ул. Горная 7: свалка", ("листвянк", "горн", "7"), None),
        ("На Юбилейной улице д. 3 прорвало трубу", ("", "юбилейн", "3"), None),
        ("по Советской, 22 яма", ("", "советск", "22"), "Советской, 22"),
        ("Пушкина 12, течёт крыша", ("", "пушкин", "12"), None),
        ("пр. Ленина 14/2 грязь", ("", "ленин", "14/2"), None),
        ("ул. П.Германа 10/4, листья", ("", "герман", "10/4"), "улица Германа, 10/4"),
        ("Гражданский проспект д.23, кор 1 и далее", ("", "гражданск", "23к1"), None),
        ("Лестница №4. Вода в подъезде. Кв 79", ("", "", ""), ""),
        ("Школа №3, нет воды", ("", "", ""), ""),
        ("Ребенку 5 лет, гуляем во дворе", ("", "", ""), ""),
        ("в 7 утра на остановке стоим по 40 минут", ("", "", ""), ""),
        ("Третий день нет горячей воды", ("", "", ""), ""),
    ],
)
def test_extract_place(text: str, key: tuple, label: str | None) -> None:
    place = extract_place(text)
    assert place.key == key
    if label is not None:
        assert place.label == label


def test_planted_incidents_are_grouped() -> None:
    frame = planted()
    result = group_incidents(frame["text"], frame["category"], frame["date"])
    precision, recall = pairwise(frame["group"].tolist(), result.incident)
    assert precision >= 0.8 and recall >= 0.8, (precision, recall)
    assert len(result.incident) == len(frame) and len(result.location) == len(frame)
    # A decoy at another address or in another town is never in the group of its problem.
    by_group = dict(zip(frame["group"], result.incident))
    for decoy, group in [("A2", "A"), ("A3", "A"), ("B2", "B"), ("C2", "C"), ("F2", "F")]:
        assert by_group[decoy] != by_group[group]
    sizes = {i.incident: i.size for i in result.incidents}
    assert sum(sizes.values()) == len(frame)


@pytest.mark.parametrize(
    "with_dates, joined, note",
    [(True, False, None), (False, True, "window not used")],
)
def test_window(with_dates: bool, joined: bool, note: str | None) -> None:
    frame = planted()
    dates = frame["date"] if with_dates else None
    result = group_incidents(frame["text"], frame["category"], dates)
    ids = dict(zip(frame["group"], result.incident))
    # C3 comes 90 h after the last appeal of C: the same problem again, another incident.
    assert (ids["C3"] == ids["C"]) is joined
    assert (note is None) or any(note in n for n in result.notes)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("72h", timedelta(hours=72)),
        ("3d", timedelta(days=3)),
        ("90min", timedelta(minutes=90)),
        ("1w", timedelta(weeks=1)),
        (" 2 H ", timedelta(hours=2)),
        (None, None),
    ],
)
def test_parse_window(value, expected) -> None:
    assert parse_window(value) == expected


@pytest.mark.parametrize("value", ["72", "h", "-1h", "0d", "три дня"])
def test_bad_window(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^window: .* is not a positive duration"):
        parse_window(value)


def test_parse_dates_mixed_types() -> None:
    values = [
        "2026-10-01 08:00",
        pd.Timestamp("2026-10-02"),
        None,
        float("nan"),
        "",
        "2026-10-03T10:00:00+07:00",
        np.datetime64("2026-10-04"),
    ]
    parsed = parse_dates(values)
    assert np.isnat(parsed).tolist() == [False, False, True, True, True, False, False]
    assert str(parsed[5])[:16] == "2026-10-03T03:00"


@pytest.mark.parametrize("bad", ["вчера", 45200, True])
def test_bad_date_names_row_and_column(bad) -> None:
    with pytest.raises(InputError, match=r"^in\.csv: row 3, column 'created': .* is not a date$"):
        parse_dates(["2026-10-01", bad], source="in.csv", column="created")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx", ".parquet"])
def test_file_keeps_rows_and_columns(trained, tmp_path: Path, suffix: str) -> None:
    frame = planted()
    frame.insert(1, "votes", range(len(frame)))
    frame.loc[3, "text"] = ""
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False, encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    result = incidents_file(source, out, model=trained.model)
    table = incidents_path(out)
    assert table.name == f"out_incidents{suffix}" and table.exists()
    written = pd.read_csv(out) if suffix == ".csv" else None
    if written is not None:
        assert list(written.columns) == [*frame.columns, "incident", "location"]
        assert written["id"].tolist() == frame["id"].tolist()
        assert written["votes"].tolist() == frame["votes"].tolist()
    incidents = read_incidents(table)
    assert sum(i.size for i in incidents) == len(frame) == result.rows
    assert len({i.incident for i in incidents}) == result.incidents
    assert any("dates from column 'date'" in n for n in result.notes)


def test_column_clash(trained, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["яма на ул. Ленина 5"], "location": ["x"]}).to_csv(source, index=False)
    with pytest.raises(InputError, match="'location' already exist"):
        incidents_file(source, tmp_path / "out.csv", model=trained.model)


@pytest.fixture(scope="module")
def model_file(trained, tmp_path_factory) -> Path:
    return trained.model.save(tmp_path_factory.mktemp("model") / "m.joblib")


@pytest.mark.parametrize(
    "args, code, output",
    [
        ([], 0, "incidents:"),
        (["--window", "3d", "--date-col", "date"], 0, "incidents of 2 or more"),
        (["--window", "soon"], 2, "window: 'soon' is not a positive duration"),
        (["--date-col", "when"], 2, "missing column(s) 'when'"),
    ],
)
def test_cli_incidents(model_file: Path, tmp_path: Path, args, code: int, output: str) -> None:
    source = tmp_path / "in.csv"
    planted().to_csv(source, index=False, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["incidents", str(source), "-o", str(out), "--model", str(model_file), *args]
    )
    assert result.exit_code == code, result.output
    assert output in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_bad_date_is_one_line(model_file: Path, tmp_path: Path) -> None:
    frame = planted()
    frame.loc[4, "date"] = "позавчера"
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False, encoding="utf-8")
    result = runner.invoke(
        app, ["incidents", str(source), "-o", str(tmp_path / "o.csv"), "-m", str(model_file)]
    )
    assert result.exit_code == 2
    assert f"{source}: row 6, column 'date': 'позавчера' is not a date" in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_report_section(trained, tmp_path: Path) -> None:
    from classifier.incident_report import incident_section
    from classifier.report import build_report, write_report

    frame = planted()
    result = group_incidents(frame["text"], frame["category"], frame["date"])
    section = incident_section(result.incidents, top=3)
    assert section.n_messages == len(frame) and section.n_incidents == len(result.incidents)
    assert [i.size for i in section.largest] == sorted(
        (i.size for i in result.incidents), reverse=True
    )[:3]
    assert sum(c.message_share for c in section.categories) == pytest.approx(1.0)
    assert sum(c.incident_share for c in section.categories) == pytest.approx(1.0)
    report = build_report(trained.model, frame["text"].tolist(), n_boot=10)
    report.incidents = section
    files = write_report(report, tmp_path)
    assert "## Инциденты" in files.markdown.read_text(encoding="utf-8")
    assert "<h2>Инциденты</h2>" in files.html.read_text(encoding="utf-8")
    assert '"incidents"' in files.json.read_text(encoding="utf-8")
    files = write_report(report, tmp_path / "en", lang="en")
    assert "## Incidents" in files.markdown.read_text(encoding="utf-8")
    assert "<h2>Incidents</h2>" in files.html.read_text(encoding="utf-8")


def test_cli_report_with_incidents(model_file: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    planted().to_csv(source, index=False, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert (
        runner.invoke(
            app, ["incidents", str(source), "-o", str(out), "-m", str(model_file)]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "report",
            str(source),
            "-m",
            str(model_file),
            "-o",
            str(tmp_path / "r"),
            "--incidents",
            str(incidents_path(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "доля инцидентов" in result.output
    bad = runner.invoke(
        app, ["report", str(source), "-m", str(model_file), "--incidents", str(source)]
    )
    assert bad.exit_code == 2 and "missing column(s)" in bad.output
