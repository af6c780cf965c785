from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import Model
from classifier.cli import app

runner = CliRunner()


@pytest.fixture(scope="session")
def model_file(fitted_model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "appeals.joblib"
    return Model(pipeline=fitted_model.pipeline, metadata={}).save(path)


def write_csv(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_predict_prints_label_and_confidence(model_file: Path) -> None:
    result = runner.invoke(
        app, ["predict", "--model", str(model_file), "Мусор не вывозят неделю, баки полные"]
    )
    assert result.exit_code == 0, result.output
    label, confidence, *_ = result.output.split("\t")
    assert label == "waste" and 0 < float(confidence) <= 1


def test_predict_json(model_file: Path) -> None:
    result = runner.invoke(app, ["predict", "--json", "--model", str(model_file), "a", ""])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["text"] for line in lines] == ["a", ""]
    assert lines[1]["empty"] is True


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["predict", "--model", str(tmp_path / "no.joblib"), "текст"])
    assert result.exit_code == 2
    assert "model file not found" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [{"txt": "a", "label": "waste"}],
            "missing column(s) 'text'; columns present: 'txt', 'label'",
        ),
        (
            [{"text": "a", "label": "wastes"}, {"text": "b", "label": "roads"}],
            "unknown label(s) 'wastes' ×1 (did you mean 'waste'?) (first at row 2)",
        ),
        ([{"text": "a", "label": "waste"}], "too few examples of 'housing' (0)"),
    ],
)
def test_train_bad_input(tmp_path: Path, rows: list[dict], message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", rows)
    result = runner.invoke(app, ["train", str(path), "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 2
    assert str(path) in result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_train_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_train_and_evaluate(small_train: pd.DataFrame, tmp_path: Path) -> None:
    data = small_train.copy()
    data.loc[data.index[0], "text"] = "   "
    path = write_csv(tmp_path / "train.csv", data.to_dict("records"))
    out = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(path), "--out", str(out), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "dropped 1 row(s) with empty text" in result.output
    assert "cross-validated (2 folds) macro-F1" in result.output
    meta = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["training_data"]["n"] == len(data) - 1
    assert len(meta["quantification"]["confusion_rates"]) == 5

    result = runner.invoke(app, ["evaluate", str(path), "--model", str(out)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "| housing |" in result.output
