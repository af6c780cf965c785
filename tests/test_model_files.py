from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier import Model, ModelFileError, ModelVersionWarning, load_model
from classifier.model import metadata_path

TEXTS = ["Нет отопления", "Дым из трубы котельной", "Автобус не пришёл"]


@pytest.fixture
def saved(fitted_model: Model, tmp_path: Path) -> Path:
    return Model(pipeline=fitted_model.pipeline, metadata={"note": "x"}).save(tmp_path / "m.joblib")


def test_round_trip_keeps_predictions_and_metadata(fitted_model: Model, saved: Path) -> None:
    loaded = load_model(saved)
    assert loaded.predict(TEXTS) == fitted_model.predict(TEXTS)
    meta = loaded.metadata
    assert meta["note"] == "x"
    assert meta["labels"] == ["housing", "waste", "roads", "ecology", "other"]
    for key in ("scikit-learn", "numpy", "pymorphy3"):
        assert meta["versions"][key]
    assert meta["artifact"]["sha256"] and meta["trained_at"]


def test_loads_from_directory_or_metadata_path(saved: Path) -> None:
    assert load_model(saved.with_suffix(".json")).path == saved


def test_damaged_file_is_refused(saved: Path) -> None:
    with saved.open("ab") as f:
        f.write(b"garbage")
    with pytest.raises(ModelFileError, match="does not match its metadata"):
        load_model(saved)


def test_missing_metadata_is_refused(saved: Path) -> None:
    metadata_path(saved).unlink()
    with pytest.raises(ModelFileError, match="metadata not found"):
        load_model(saved)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nothing.joblib")


def test_version_mismatch_warns(saved: Path) -> None:
    meta_file = metadata_path(saved)
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["versions"]["scikit-learn"] = "0.0.1"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(ModelVersionWarning, match=r"scikit-learn 0\.0\.1"):
        load_model(saved)


def test_save_keeps_previous_model(fitted_model: Model, saved: Path) -> None:
    Model(pipeline=fitted_model.pipeline, metadata={"note": "y"}).save(saved)
    previous = json.loads(saved.with_name("m.json.previous").read_text(encoding="utf-8"))
    assert previous["note"] == "x"
    assert load_model(saved).metadata["note"] == "y"
