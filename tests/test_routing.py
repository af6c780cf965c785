"""Routing: TOML configs, their checks, and route and deadline on predictions and tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from classifier import ConfigError, InputError, Model, predict
from classifier.batch import classify_file
from classifier.routing import load_routes, parse_received

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "routes.example.toml"
GOOD = "\n".join(
    f'[{name}]\nbody = "Отдел {name}"\ndeadline_hours = 24\nurgent_deadline_hours = 2\n'
    for name in ("housing", "waste", "roads", "ecology", "other")
)


def test_example_config_loads() -> None:
    routes = load_routes(EXAMPLE)
    assert routes.routes["housing"].body == "Жилищный комитет"


BAD = [
    (GOOD.replace("[ecology]", "[ekology]"), "[ekology] is not a label"),
    (GOOD.split("[other]")[0], "no table [other]"),
    (GOOD.replace("deadline_hours = 24\nurgent", "urgent", 1), "housing.deadline_hours is missing"),
    (GOOD.replace("deadline_hours = 24", "deadline_hours = -1", 1), "housing.deadline_hours"),
    (GOOD.replace("deadline_hours = 24", 'deadline_hours = "сутки"', 1), "positive number"),
    (GOOD.replace('body = "Отдел waste"', 'body = ""'), "waste.body"),
    (GOOD.replace('body = "Отдел roads"', 'body = "x"\nphone = 1'), "roads.phone is not a known"),
    ("[housing\n", "not valid TOML"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_configs_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_routes(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="routes file not found"):
        load_routes(tmp_path / "none.toml")


WHEN = [
    ("2025-01-10T08:00", datetime(2025, 1, 10, 8, 0)),
    ("2025-01-10", datetime(2025, 1, 10)),
    ("10.01.2025 08:30", datetime(2025, 1, 10, 8, 30)),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize("value, expected", WHEN)
def test_parse_received(value, expected) -> None:
    assert parse_received(value) == expected


def test_bad_received_at() -> None:
    with pytest.raises(InputError, match="received_at"):
        parse_received("вчера")


def test_predict_with_routes(fitted_model: Model, tmp_path: Path) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(GOOD, encoding="utf-8")
    texts = ["Пахнет газом в подъезде", "Мусор не вывозят неделю"]
    results = predict(
        texts, model=fitted_model, routes=path, received_at=["2025-01-10T08:00", None]
    )
    assert results[0].route == f"Отдел {results[0].label}" and results[0].urgent is True
    assert results[0].deadline == "2025-01-10T10:00:00"
    assert results[1].deadline is None and results[1].route == f"Отдел {results[1].label}"
    assert predict(texts[0], model=fitted_model).route is None


def test_received_at_must_match_texts(fitted_model: Model) -> None:
    with pytest.raises(InputError, match="received_at"):
        predict(["a", "b"], model=fitted_model, routes=EXAMPLE, received_at=["2025-01-01"])


def test_classify_with_routes_and_masking(fitted_model: Model, tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(
        {
            "text": ["Пахнет газом, звоните 8 921 123-45-67", "", "Мусор не вывозят"],
            "received": ["2025-01-10T08:00", "2025-01-10T08:00", ""],
        }
    ).to_csv(src, index=False)
    result = classify_file(
        src, out, model=fitted_model, routes=EXAMPLE, date_col="received", mask_pii=True
    )
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 3 and result.masked
    assert frame.loc[0, "text"] == "Пахнет газом, звоните [ТЕЛЕФОН]"
    assert frame.loc[0, "urgent"] == "True" and frame.loc[0, "deadline"] != ""
    assert frame.loc[1, "route"] == "" and frame.loc[2, "deadline"] == ""


def test_classify_refuses_missing_date_column(fitted_model: Model, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["Мусор"]}).to_csv(src, index=False)
    with pytest.raises(InputError, match="'when'"):
        classify_file(src, tmp_path / "o.csv", model=fitted_model, routes=EXAMPLE, date_col="when")


def test_service_explain_urgency_routes(fitted_model: Model) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about its httpx dependency
        from fastapi.testclient import TestClient

    from classifier.service import create_app

    app = create_app(model=fitted_model, routes=EXAMPLE)
    with TestClient(app) as client:
        plain = client.post("/v1/classify", json={"texts": ["Мусор не вывозят"]}).json()
        body = {
            "items": [{"id": "a", "text": "Пахнет газом", "received_at": "2025-01-10T08:00:00"}],
            "explain": True,
            "urgency": True,
        }
        rich = client.post("/v1/classify", json=body).json()
    (p,) = plain["predictions"]
    assert "explanation" not in p and "route" in p and "deadline" not in p
    (r,) = rich["predictions"]
    assert r["urgent"] is True and r["explanation"] and r["deadline"].startswith("2025-01-10T")
