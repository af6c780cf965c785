"""`appeals classify` / `classify_file`: every row and column kept, in order, with results added."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import LABELS, InputError, Model
from classifier.batch import _Predictor, classify_file, ordered_map, result_columns, unique_proba
from classifier.cells import as_text
from classifier.cli import app
from classifier.tables import TableWriter, read_table

runner = CliRunner()
ADDED = result_columns()


@pytest.fixture(scope="module")
def appeals(test_frame: pd.DataFrame) -> pd.DataFrame:
    """60 appeals with an id and an extra column; some texts empty, blank or repeated."""
    frame = test_frame.sample(60, random_state=1).reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "appeal_id": [f"a{i:03d}" for i in range(len(frame))],
            "district": [f"район {i % 7}" for i in range(len(frame))],
            "text": frame["text"],
        }
    )
    frame.loc[3, "text"] = ""
    frame.loc[17, "text"] = "   \n "
    frame.loc[40, "text"] = frame.loc[41, "text"]
    return frame


@pytest.fixture(scope="module")
def model_file(fitted_model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "appeals.joblib"
    return Model(pipeline=fitted_model.pipeline, metadata={}).save(path)


def write(frame: pd.DataFrame, path: Path) -> Path:
    with TableWriter(path) as writer:
        writer.write(frame)
    return path


def check_output(out: pd.DataFrame, source: pd.DataFrame, model: Model) -> None:
    """Input columns unchanged and first, rows in order, results equal to `Model.predict`."""
    assert list(out.columns) == [*source.columns, *ADDED]
    for column in source.columns:
        # XLSX stores an empty text as an empty cell, which reads back as null.
        assert as_text(out[column]).tolist() == source[column].tolist()
    blank = source["text"].str.strip() == ""
    expected = model.predict(source.loc[~blank, "text"].tolist())
    filled = out.loc[~blank.to_numpy()]
    assert filled["label"].tolist() == [p.label for p in expected]
    assert filled["label_ru"].tolist() == [p.label_ru for p in expected]
    np.testing.assert_allclose(
        filled["confidence"].astype(float), [p.confidence for p in expected], atol=1e-9
    )
    probabilities = filled[[f"p_{name}" for name in LABELS]].astype(float).to_numpy()
    np.testing.assert_allclose(
        probabilities, [[p.probabilities[name] for name in LABELS] for p in expected], atol=1e-9
    )
    # The documented empty result: no label, no numbers, and the row stays in place.
    empty = out.loc[blank.to_numpy()]
    assert empty["appeal_id"].tolist() == ["a003", "a017"]
    assert (as_text(empty["label"]) == "").all() and (as_text(empty["label_ru"]) == "").all()
    numbers = empty[["confidence", *(f"p_{n}" for n in LABELS)]]
    assert numbers.replace("", np.nan).astype(float).isna().all().all()


@pytest.mark.parametrize(
    "source, target",
    [
        ("in.csv", "out.csv"),
        ("in.xlsx", "out.xlsx"),
        ("in.jsonl", "out.jsonl"),
        ("in.parquet", "out.parquet"),
        ("in.csv", "out.parquet"),
        ("in.parquet", "out.jsonl"),
    ],
)
def test_formats_keep_rows_and_columns(
    appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path, source: str, target: str
) -> None:
    src = write(appeals, tmp_path / source)
    result = classify_file(src, tmp_path / target, model=fitted_model, chunksize=7)
    assert (result.rows, result.empty, result.chunks) == (60, 2, 9)
    check_output(read_table(tmp_path / target), appeals, fitted_model)


def test_parquet_output_types(appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path) -> None:
    src = write(appeals, tmp_path / "in.csv")
    classify_file(src, tmp_path / "out.parquet", model=fitted_model, chunksize=25)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert all(out[c].dtype == np.float64 for c in ADDED[2:])
    assert out.loc[3, "confidence"] != out.loc[3, "confidence"]  # NaN: null in Parquet
    assert np.allclose(out.loc[~out["confidence"].isna(), ADDED[3:]].sum(axis=1), 1.0)


def test_cp1251_semicolon_csv(appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path) -> None:
    src = tmp_path / "windows.csv"
    # cp1251 has no emoji: keep only what a Windows file can hold.
    appeals = appeals.assign(
        text=appeals["text"].map(lambda t: t.encode("cp1251", "ignore").decode("cp1251"))
    )
    appeals.to_csv(src, sep=";", index=False, encoding="cp1251")
    classify_file(src, tmp_path / "out.csv", model=fitted_model)
    check_output(read_table(tmp_path / "out.csv"), appeals, fitted_model)


def test_chunk_size_does_not_change_the_result(
    appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path
) -> None:
    src = write(appeals, tmp_path / "in.csv")
    outputs = []
    for chunksize in (1, 13, 1000):
        out = tmp_path / f"out{chunksize}.csv"
        classify_file(src, out, model=fitted_model, chunksize=chunksize)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_two_workers_keep_order(appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path) -> None:
    src = write(appeals, tmp_path / "in.csv")
    one = classify_file(src, tmp_path / "one.csv", model=fitted_model, chunksize=4)
    two = classify_file(src, tmp_path / "two.csv", model=fitted_model, chunksize=4, workers=2)
    assert (two.workers, two.chunks, two.rows) == (2, 15, 60)
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert one.rows == two.rows


def test_a_worker_process_gives_the_same_result(fitted_model: Model, test_frame) -> None:
    texts = test_frame["text"].tolist()[:30]
    with _Predictor(fitted_model, 2) as submit:
        first = submit(texts)  # the worker is free: it gets the chunk
        second = submit(texts)  # the worker is busy (still starting): classified here
        assert hasattr(first, "result") and isinstance(second, tuple)
        codes, proba = first.result(timeout=60)
    want_codes, want_proba = unique_proba(fitted_model, texts)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_allclose(proba, want_proba)
    np.testing.assert_allclose(second[1], want_proba)


def test_ordered_map_reads_ahead_a_bounded_window() -> None:
    pulled = 0

    def chunks():
        nonlocal pulled
        for i in range(20):
            pulled += 1
            yield pd.DataFrame({"text": [f"t{i}"]})

    ahead = []
    seen = []
    for frame, result in ordered_map(
        lambda texts: texts, chunks(), key=lambda f: f["text"].tolist(), window=3
    ):
        seen.append(result[0])
        ahead.append(pulled - len(seen))
        assert frame["text"].tolist() == result
    assert seen == [f"t{i}" for i in range(20)]
    assert max(ahead) <= 2  # never more than `window` chunks held at once


def test_progress_reports_every_row(
    appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path
) -> None:
    src = write(appeals, tmp_path / "in.csv")
    calls: list[int] = []
    classify_file(
        src, tmp_path / "o.csv", model=fitted_model, chunksize=16, on_progress=calls.append
    )
    assert calls == [16, 16, 16, 12]


def test_header_only_input(fitted_model: Model, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("appeal_id,text\n", encoding="utf-8")
    result = classify_file(src, tmp_path / "out.csv", model=fitted_model)
    assert result.rows == 0
    header = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header == [",".join(["appeal_id", "text", *ADDED])]


def test_prefix_avoids_a_clash_with_a_label_column(
    appeals: pd.DataFrame, fitted_model: Model, tmp_path: Path
) -> None:
    src = write(appeals.assign(label="housing"), tmp_path / "in.csv")
    with pytest.raises(InputError, match=r"in\.csv: column\(s\) 'label' already present"):
        classify_file(src, tmp_path / "out.csv", model=fitted_model)
    classify_file(src, tmp_path / "out.csv", model=fitted_model, prefix="pred_")
    out = read_table(tmp_path / "out.csv")
    assert out["label"].eq("housing").all()
    assert list(out.columns[-8:]) == result_columns("pred_")


@pytest.mark.parametrize(
    "rows, options, message",
    [
        ([{"txt": "a"}], {}, "in.jsonl: missing column(s) 'text'; columns present: 'txt'"),
        ([{"body": "a"}], {"text_col": "body", "workers": 0}, "workers must be at least 1"),
        (
            [{"text": "a"}, {"text": "b"}, {"text": "c", "extra": "x"}],
            {"chunksize": 2},
            "in.jsonl: row 4, column 'extra': a column the first rows do not have",
        ),
    ],
)
def test_bad_input(
    fitted_model: Model, tmp_path: Path, rows: list[dict], options: dict, message: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(InputError) as error:
        classify_file(src, tmp_path / "out.csv", model=fitted_model, **options)
    assert message in str(error.value)
    assert list(tmp_path.iterdir()) == [src]  # no output, not even a half-written one


@pytest.mark.parametrize(
    "output, message",
    [("in.csv", "the output file must not be the input file"), ("out.txt2", "unknown file type")],
)
def test_bad_output(fitted_model: Model, tmp_path: Path, output: str, message: str) -> None:
    src = write(pd.DataFrame({"text": ["a"]}), tmp_path / "in.csv")
    before = src.read_bytes()
    with pytest.raises(InputError, match=message):
        classify_file(src, tmp_path / output, model=fitted_model)
    assert src.read_bytes() == before


def test_cli_classify(
    appeals: pd.DataFrame, fitted_model: Model, model_file: Path, tmp_path: Path
) -> None:
    src = write(appeals, tmp_path / "in.parquet")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["classify", str(src), "-o", str(out), "--model", str(model_file), "--chunksize", "9"]
    )
    assert result.exit_code == 0, result.output
    assert f"60 rows (2 with empty text) written to {out}" in result.output
    written = read_table(out)
    # The CLI adds needs_review; this model has no review threshold, so it flags nothing.
    assert list(written.columns[-1:]) == ["needs_review"]
    assert "the model has no review threshold" in result.output
    check_output(written.drop(columns="needs_review"), appeals, fitted_model)


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv", "-o", "out.csv"], "missing.csv: file not found"),
        (["in.csv", "-o", "out.csv", "--text-col", "body"], "missing column(s) 'body'"),
        (["in.csv", "-o", "out.doc"], "unknown file type '.doc'"),
    ],
)
def test_cli_classify_errors(
    model_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(pd.DataFrame({"text": ["a"]}), tmp_path / "in.csv")
    result = runner.invoke(app, ["classify", *args, "--model", str(model_file)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
