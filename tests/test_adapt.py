"""`adapt`: retraining on the base corpus plus local labelled rows, with local error rates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import InputError, load_model
from classifier.adapt import adapt, shrink_rates
from classifier.cli import app
from classifier.modelcard import render_model_card
from classifier.report import build_report
from classifier.review import DEFAULT_TARGET_PRECISION

runner = CliRunner()


@pytest.fixture(scope="module")
def base_file(train_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    few = train_frame.groupby("label", group_keys=False).sample(n=50, random_state=5)
    path = tmp_path_factory.mktemp("base") / "base.csv"
    few[["id", "text", "label"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def local_sheet(test_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = test_frame.sample(80, random_state=6).reset_index(drop=True)
    rows["weight"] = 2.5
    rows.loc[rows.index[-5:], "label"] = ""  # five rows the analyst did not label
    path = tmp_path_factory.mktemp("local") / "local.csv"
    rows[["id", "text", "label", "weight"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def adapted(base_file: Path, local_sheet: Path):
    return adapt(local_sheet, base=base_file, weight=3, folds=2)


def test_adapted_model_records_its_local_rows(adapted, local_sheet: Path) -> None:
    meta = adapted.model.metadata
    assert adapted.n_local == 75 and adapted.n_unlabelled == 5 and adapted.n_base == 250
    info = meta["adaptation"]
    assert info["local_file"] == local_sheet.name and info["weight"] == 3
    assert info["local_rows"] == 75 and sum(info["local_class_counts"].values()) == 75
    assert meta["metrics"]["local_cv"]["n"] == 75
    confusion = np.array(meta["quantification"]["confusion_rates"])
    assert confusion.shape == (5, 5) and np.allclose(confusion.sum(axis=1), 1)
    assert meta["quantification"]["bcts"]["temperature"] > 0


def test_saved_adapted_model_and_card(adapted, tmp_path: Path) -> None:
    path = adapted.model.save(tmp_path / "adapted.joblib")
    card = path.with_suffix(".md").read_text(encoding="utf-8")
    assert "Дообучена на местных обращениях" in card and "75 размеченных местных строках" in card
    english = render_model_card(adapted.model.metadata, lang="en")
    assert "Adapted to local appeals" in english and "75 labelled local rows" in english
    loaded = load_model(path)
    report = build_report(loaded, ["Яма на дороге", "Баки переполнены"], n_boot=0)
    assert report.model["adapted"] is True


def test_local_rows_weigh_more(base_file: Path, local_sheet: Path, test_frame) -> None:
    # A text like the local ones is pulled toward its local label when local rows weigh more.
    light = adapt(local_sheet, base=base_file, weight=0.01, folds=2)
    local = pd.read_csv(local_sheet, dtype=str, keep_default_na=False)
    local = local[local["label"] != ""]

    def agreement(model):
        predicted = [p.label for p in model.predict(local["text"].tolist())]
        return np.mean(np.array(predicted) == local["label"].to_numpy())

    heavy = adapt(local_sheet, base=base_file, weight=5, folds=2)
    assert agreement(heavy.model) > agreement(light.model)


def test_shrinking_keeps_rows_stochastic() -> None:
    local = np.eye(3)
    prior = np.full((3, 3), 1 / 3)
    mixed = shrink_rates(local, np.array([0, 5, 100]), prior, 5)
    assert np.allclose(mixed.sum(axis=1), 1)
    assert mixed[0].tolist() == pytest.approx(prior[0].tolist())
    assert mixed[2, 2] > mixed[1, 1] > mixed[0, 0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weight": 0}, "weight must be positive"),
        ({"folds": 1}, "folds must be at least 2"),
        ({"base": "nowhere/train.csv"}, "base corpus not found"),
    ],
)
def test_adapt_errors(local_sheet: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        adapt(local_sheet, **kwargs)


def test_cli_adapt(base_file: Path, local_sheet: Path, trained, tmp_path: Path) -> None:
    model_path = trained.model.save(tmp_path / "m" / "base.joblib")
    out = tmp_path / "adapted.joblib"
    result = runner.invoke(
        app,
        [
            "adapt",
            str(local_sheet),
            "--base",
            str(base_file),
            "--model",
            str(model_path),
            "--folds",
            "2",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "cross-validated macro-F1 on the 75 local rows" in result.output
    assert load_model(out).metadata["adaptation"]["local_rows"] == 75


def test_adapted_model_rechooses_review_threshold(adapted) -> None:
    review = adapted.model.metadata["review"]
    assert review["source"] == "local cross-validation"
    assert review["n"] == adapted.n_local and review["target_precision"] == DEFAULT_TARGET_PRECISION
