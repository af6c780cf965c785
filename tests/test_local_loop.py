"""The local loop: labelling sheets, reports calibrated with local labels, adapted models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import LABELS, InputError, LabelledData, train
from classifier.calibration import LocalSample, calibrated_point, match_sheet
from classifier.cli import app
from classifier.labels import LABELS_RU, label_choice
from classifier.quantify import Rates, point_estimate
from classifier.report import build_report
from classifier.sampling import draw_sample
from classifier.sheet import make_sheet, read_sheet, sample_file, write_sheet

runner = CliRunner()


@pytest.fixture(scope="module")
def month(test_frame: pd.DataFrame) -> pd.DataFrame:
    """A month of appeals with ids (some starting with zeros) and one formula-like text."""
    frame = test_frame.sample(400, random_state=1).reset_index(drop=True)[["text", "label"]]
    frame.insert(0, "id", [f"{i:05d}" for i in range(len(frame))])
    frame.loc[3, "text"] = '=HYPERLINK("http://example.invalid","жми") нет воды в доме'
    return frame


@pytest.fixture(scope="module")
def weak(train_frame: pd.DataFrame):
    """A model trained on few texts, so that it errs often and its stored rates are rough."""
    few = train_frame.groupby("label", group_keys=False).sample(n=40, random_state=3)
    data = LabelledData(few["text"].tolist(), few["label"].tolist(), path=Path("few.csv"))
    return train(data, folds=5).model


@pytest.mark.parametrize("strategy", ["stratified", "random", "uncertain"])
def test_sample_design_weights_add_up_to_the_population(strategy: str) -> None:
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(5) * 0.3, size=1000)
    design = draw_sample(proba, n=100, strategy=strategy, seed=4)
    assert len(design.rows) == 100 and len(set(design.rows)) == 100
    assert design.weights.sum() == pytest.approx(1000)
    again = draw_sample(proba, n=100, strategy=strategy, seed=4)
    assert (again.rows == design.rows).all()


def test_stratified_sample_represents_rare_predictions() -> None:
    proba = np.full((1000, 5), 0.05)
    proba[:900, 0] = 0.8  # 900 predicted housing
    proba[900:, 1:] = np.eye(4)[np.arange(100) % 4] * 0.75 + 0.05
    design = draw_sample(proba, n=50, strategy="stratified", seed=0)
    per_label = np.bincount(proba[design.rows].argmax(axis=1), minlength=5)
    # Square-root allocation: sqrt(900) : sqrt(25) x 4 = 30 : 5 : 5 : 5 : 5.
    assert per_label.tolist() == [30, 5, 5, 5, 5]


def test_uncertain_sample_favours_low_confidence() -> None:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(5), size=2000)
    design = draw_sample(proba, n=200, strategy="uncertain", seed=0)
    assert proba[design.rows].max(axis=1).mean() < proba.max(axis=1).mean()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_sheet_round_trip(fitted_model, month: pd.DataFrame, tmp_path: Path, suffix: str) -> None:
    sheet, _ = make_sheet(fitted_model, month, n=60, seed=2)
    path = write_sheet(sheet, tmp_path / f"sheet{suffix}", design={"strategy": "stratified"})
    back = read_sheet_unlabelled(path)
    assert back["id"].tolist() == sheet["id"].tolist()
    assert back["text"].tolist() == sheet["text"].tolist()
    assert np.allclose(back["weight"].astype(float), sheet["weight"])


def read_sheet_unlabelled(path: Path) -> pd.DataFrame:
    from classifier.tables import read_table

    return read_table(path)


def test_xlsx_sheet_has_a_label_drop_down_and_keeps_formula_texts(
    fitted_model, month: pd.DataFrame, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    sheet, _ = make_sheet(fitted_model, month.iloc[:10], n=10)
    path = write_sheet(sheet, tmp_path / "s.xlsx", design={"seed": 0})
    book = load_workbook(path)
    ws = book["appeals"]
    (validation,) = ws.data_validations.dataValidation
    assert all(label_choice(code) in validation.formula1 for code in LABELS)
    texts = [c.value for c in ws["B"][1:]]
    assert any(str(t).startswith("=HYPERLINK") for t in texts)
    assert all(c.data_type == "s" for c in ws["B"][1:])
    assert book["design"]["A1"].value == "seed"


def test_partly_filled_sheet(fitted_model, month: pd.DataFrame, tmp_path: Path) -> None:
    sheet, _ = make_sheet(fitted_model, month, n=20, seed=0)
    truth = month.set_index("id").loc[sheet["id"], "label"].tolist()
    # Codes, Russian names and drop-down entries all read back; half the rows left empty.
    forms = [lambda c: c, lambda c: LABELS_RU[c], label_choice]
    sheet["label"] = [forms[i % 3](t) if i % 2 == 0 else "" for i, t in enumerate(truth)]
    write_sheet(sheet, tmp_path / "s.xlsx")
    back = read_sheet(tmp_path / "s.xlsx")
    assert len(back.labelled) == 10 and back.n_unlabelled == 10
    assert [back.labels[i] for i in back.labelled] == truth[::2]
    assert "10 row(s) without a label are not used" in back.note()


@pytest.mark.parametrize(
    "labels, message",
    [
        (["", ""], "empty in every row"),
        (["housing", "котики"], r"unknown label\(s\) \(row 3: 'котики'\)"),
    ],
)
def test_bad_sheets(tmp_path: Path, labels: list[str], message: str) -> None:
    path = tmp_path / "s.csv"
    pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"], "label": labels}).to_csv(path, index=False)
    with pytest.raises(InputError, match=message):
        read_sheet(path)


def test_ids_that_match_nothing_are_an_error(trained, month: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    pd.DataFrame({"id": ["x1", "x2"], "text": ["a", "b"], "label": ["waste", "roads"]}).to_csv(
        path, index=False
    )
    sheet = read_sheet(path)
    with pytest.raises(InputError, match="none of the sheet's 2 ids is an id of the data"):
        build_report(
            trained.model, month["text"].tolist(), ids=month["id"].tolist(), calibration=sheet
        )
    # The same sheet as a sample of the same source (by text) is accepted.
    report = build_report(
        trained.model,
        month["text"].tolist(),
        ids=month["id"].tolist(),
        calibration=sheet,
        match="text",
        n_boot=20,
    )
    assert report.calibration["n_local"] == 2 and report.calibration["n_matched"] == 0


def test_match_by_text_folds_white_space() -> None:
    index, mode = match_sheet(None, ["нет  воды"], None, ["яма", "нет воды "])
    assert mode == "text" and index.tolist() == [-1, 0]


def test_rows_in_the_sheet_count_with_their_true_label() -> None:
    # Everything predicted 0; the sample says rows predicted 0 are half 0, half 1.
    sample = LocalSample(np.zeros(4, int), np.array([0, 1, 0, 1]), np.ones(4))
    predicted = np.zeros(10, dtype=int)
    truth = np.full(10, -1)
    truth[:4] = [0, 1, 1, 1]
    shares, accuracy = calibrated_point(predicted, truth, sample, None, prior_strength=0)
    # 4 known (1 x 0, 3 x 1) + 6 spread half and half.
    assert shares[:2].tolist() == pytest.approx([0.4, 0.6])
    assert accuracy == pytest.approx(0.5)


def test_calibration_beats_naive_and_corpus_rates_on_average(weak, test_frame) -> None:
    """Months with skewed shares from held-out texts; 150 labels of each month drawn by `sample`."""
    texts = test_frame["text"].tolist()
    truth = np.array([LABELS.index(label) for label in test_frame["label"]])
    proba_all = weak.predict_proba(texts)
    rates = Rates.from_metadata(weak.metadata["quantification"])
    errors = {"cc": [], "acc": [], "calibrated": []}
    for seed in range(12):
        rng = np.random.default_rng(seed)
        shares = rng.dirichlet(np.ones(5))
        counts = rng.multinomial(600, shares)
        rows = np.concatenate(
            [rng.choice(np.flatnonzero(truth == c), n) for c, n in enumerate(counts) if n]
        )
        proba, y = proba_all[rows], truth[rows]
        true_shares = np.bincount(y, minlength=5) / len(y)
        design = draw_sample(proba, n=150, strategy="stratified", seed=seed)
        sample = LocalSample(proba[design.rows].argmax(axis=1), y[design.rows], design.weights)
        matched = np.full(len(rows), -1)
        matched[design.rows] = y[design.rows]
        estimate, _ = calibrated_point(
            proba.argmax(axis=1), matched, sample, rates.confusion, prior_strength=5
        )
        for name, value in (
            ("cc", point_estimate(proba, "cc")),
            ("acc", point_estimate(proba, "acc", rates)),
            ("calibrated", estimate),
        ):
            errors[name].append(np.abs(value - true_shares).sum())
    mean = {name: float(np.mean(e)) for name, e in errors.items()}
    assert mean["calibrated"] < mean["cc"] and mean["calibrated"] < mean["acc"], mean


def test_cli_sample_then_calibrated_report(trained, month: pd.DataFrame, tmp_path: Path) -> None:
    model_path = trained.model.save(tmp_path / "model" / "m.joblib")
    data = tmp_path / "month.csv"
    month[["id", "text"]].to_csv(data, index=False)
    sheet_path = tmp_path / "sheet.xlsx"
    result = runner.invoke(
        app,
        ["sample", str(data), "--n", "40", "-o", str(sheet_path), "--model", str(model_path)],
    )
    assert result.exit_code == 0, result.output
    assert "40 of 400 appeals drawn" in result.output
    sheet, _ = make_sheet(trained.model, month, n=40)  # the same draw: same seed
    truth = month.set_index("id").loc[sheet["id"], "label"].tolist()
    from openpyxl import load_workbook

    book = load_workbook(sheet_path)
    ws = book["appeals"]
    ids = [c.value for c in ws["A"][1:]]
    assert ids == sheet["id"].tolist()
    for cell, label in zip(ws["F"][1:], truth):
        cell.value = label
    book.save(sheet_path)
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        ["report", str(data), "-c", str(sheet_path), "--model", str(model_path), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["method"] == "calibrated"
    assert report["calibration"]["n_local"] == 40 and report["calibration"]["n_matched"] == 40
    assert 0 < report["calibration"]["accuracy"] <= 1
    assert "labelled sample" in report["interval_covers"]


def test_report_without_calibration_says_what_its_interval_covers(trained, month) -> None:
    report = build_report(trained.model, month["text"].tolist(), n_boot=10)
    assert report.method == "emq" and report.calibration is None
    assert "not a shift" in report.summary("en")


def test_sample_file_names_missing_columns(fitted_model, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"body": ["a"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="missing column"):
        sample_file(path, tmp_path / "s.xlsx", model=fitted_model, n=5)
