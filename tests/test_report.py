from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import LABELS, PUBLISHED_SHARES, InputError
from classifier.cli import app
from classifier.report import build_report, write_report

runner = CliRunner()


@pytest.fixture(scope="module")
def appeals(test_frame: pd.DataFrame) -> pd.DataFrame:
    sample = test_frame.sample(300, random_state=0).reset_index(drop=True)
    sample["date"] = ["2026-09-15" if i % 3 else "2026-10-02 14:30" for i in range(len(sample))]
    sample.loc[5, "text"] = "  "
    return sample[["id", "date", "text"]]


def test_report_record(trained, appeals: pd.DataFrame) -> None:
    report = build_report(
        trained.model, appeals["text"].tolist(), dates=appeals["date"].tolist(), n_boot=100
    )
    assert report.n == 300 and report.n_empty == 1
    assert [c.label for c in report.categories] == list(LABELS)
    assert sum(c.count for c in report.categories) == 299
    assert sum(c.share for c in report.categories) == pytest.approx(1.0)
    assert sum(c.corrected_share for c in report.categories) == pytest.approx(1.0)
    for c in report.categories:
        assert c.published_share == PUBLISHED_SHARES[c.label]
        assert c.corrected_low <= c.corrected_share <= c.corrected_high
    assert report.chi_square.dof == 4 and 0 <= report.chi_square.p_value <= 1
    assert [m.month for m in report.monthly] == ["2026-09", "2026-10"]
    assert sum(m.n for m in report.monthly) == 299


def test_written_files(trained, appeals: pd.DataFrame, tmp_path: Path) -> None:
    report = build_report(trained.model, appeals["text"].tolist(), n_boot=50)
    files = write_report(report, tmp_path)
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["n"] == 300
    keys = {
        "label",
        "count",
        "share",
        "published_share",
        "corrected_share",
        "corrected_low",
        "corrected_high",
    }
    assert all(keys <= set(c) for c in data["categories"])
    assert "chi_square" in data
    html = files.html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "http" not in html.split("<body>")[1]
    assert files.distribution_png.read_bytes()[:4] == b"\x89PNG"
    assert files.monthly_png is None


def test_bad_dates_are_named(trained) -> None:
    with pytest.raises(InputError, match=r"not dates \(rows 3\)"):
        build_report(trained.model, ["a", "b"], dates=["2026-01-01", "вчера"], n_boot=0)


@pytest.mark.parametrize("method, lacking", [("pacc", "mean_proba"), ("emq", "temperature")])
def test_method_needs_cv_rates(fitted_model, method: str, lacking: str) -> None:
    with pytest.raises(InputError, match=f"does not store the cross-validation rates.*{lacking}"):
        build_report(fitted_model, ["нет воды"], method=method, n_boot=0)


def test_cli_report(trained, appeals: pd.DataFrame, tmp_path: Path) -> None:
    model_path = trained.model.save(tmp_path / "model" / "m.joblib")
    data = tmp_path / "month.csv"
    appeals.to_csv(data, sep=";", index=False, encoding="cp1251", errors="replace")
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["report", str(data), "--model", str(model_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    # Russian by default: category names, decimal commas, month names, the verdict in words.
    assert "| housing | ЖКХ и благоустройство |" in result.output
    assert "хи-квадрат" in result.output and "chi-square" not in result.output
    assert "| сентябрь 2026 |" in result.output  # the date column was detected
    for name in ("report.json", "report.md", "report.html", "distribution.png", "monthly.png"):
        assert (out / name).exists(), name
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "Распределение обращений по категориям" in page
    english = runner.invoke(
        app,
        ["report", str(data), "--model", str(model_path), "--out", str(out), "--lang", "en"],
    )
    assert english.exit_code == 0, english.output
    assert "chi-square" in english.output and "| Sep 2026 |" in english.output
    assert "хи-квадрат" not in english.output
    assert "Distribution of appeals by category" in (out / "report.md").read_text(encoding="utf-8")


def test_cli_report_rejects_unknown_language(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"text": ["нет воды"]}).to_csv(data, index=False)
    result = runner.invoke(app, ["report", str(data), "--lang", "de"])
    assert result.exit_code == 2 and "--lang" in result.output


def test_one_month_says_so_instead_of_a_chart(
    trained, appeals: pd.DataFrame, tmp_path: Path
) -> None:
    (tmp_path / "monthly.png").write_bytes(b"left by an earlier report")
    report = build_report(
        trained.model,
        appeals["text"].tolist(),
        dates=["2026-10-03"] * len(appeals),
        n_boot=20,
    )
    files = write_report(report, tmp_path)
    assert [m.month for m in report.monthly] == ["2026-10"]
    assert files.monthly_png is None and not (tmp_path / "monthly.png").exists()
    md = files.markdown.read_text(encoding="utf-8")
    assert "одному месяцу (октябрь 2026)" in md and "По месяцам" not in md
    assert report.monthly_table() == "" and "одному месяцу" in report.monthly_note()
    assert "one month (Oct 2026)" in report.monthly_note("en")


def test_cli_report_missing_text_column(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"message": ["a"]}).to_csv(data, index=False)
    result = runner.invoke(app, ["report", str(data)])
    assert result.exit_code == 2
    assert "missing column(s) 'text'; columns present: 'message'" in result.output
