"""`classify_dask` and `appeals classify --dask` on a `dask.distributed.LocalCluster`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import AppealsError, InputError, Model
from classifier.batch import classify_file, result_columns
from classifier.cli import app
from classifier.distributed import classify_dask, input_files
from classifier.tables import read_table

runner = CliRunner()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes, so the model really travels to other processes."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def appeals(test_frame: pd.DataFrame) -> pd.DataFrame:
    frame = test_frame.sample(45, random_state=2).reset_index(drop=True)
    frame = pd.DataFrame({"n": [str(i) for i in range(45)], "text": frame["text"]})
    frame.loc[[5, 30], "text"] = ["", "  "]
    return frame


@pytest.fixture(scope="module")
def parts(appeals: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The appeals as three CSV and three Parquet partitions (in different folders)."""
    root = tmp_path_factory.mktemp("parts")
    (root / "csv").mkdir()
    (root / "parquet").mkdir()
    for i, start in enumerate((0, 20, 31)):
        part = appeals.iloc[start : (20, 31, 45)[i]]
        part.to_csv(root / "csv" / f"part-{i}.csv", index=False)
        part.to_parquet(root / "parquet" / f"part-{i}.parquet", index=False)
    return root


@pytest.fixture(scope="module")
def expected(appeals: pd.DataFrame, fitted_model: Model, tmp_path_factory) -> pd.DataFrame:
    """What the single-machine batch gives for the same rows."""
    folder = tmp_path_factory.mktemp("single")
    appeals.to_csv(folder / "in.csv", index=False)
    classify_file(folder / "in.csv", folder / "out.parquet", model=fitted_model)
    return pd.read_parquet(folder / "out.parquet")


@pytest.mark.parametrize(
    "source, target",
    [
        ("csv/part-*.csv", "out.parquet"),
        ("csv", "out.csv"),
        ("parquet/*.parquet", "out.csv"),
        ("parquet/part-1.parquet", "out.parquet"),
    ],
)
def test_same_result_as_the_batch(
    cluster: str,
    parts: Path,
    fitted_model: Model,
    expected: pd.DataFrame,
    tmp_path: Path,
    source: str,
    target: str,
) -> None:
    result = classify_dask(parts / source, tmp_path / target, address=cluster, model=fitted_model)
    path = tmp_path / target
    out = pd.read_parquet(path) if path.suffix == ".parquet" else read_table(path)
    want = expected.iloc[20:31] if source.endswith("part-1.parquet") else expected
    assert (result.rows, result.empty) == (len(want), want["label"].eq("").sum())
    assert result.address == cluster
    assert list(out.columns) == ["n", "text", *result_columns()]
    assert out["n"].tolist() == want["n"].tolist()  # every row, in order
    assert out["label"].tolist() == want["label"].tolist()
    got = out[result_columns()[2:]].replace("", float("nan")).astype(float)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want[result_columns()[2:]].reset_index(drop=True)
    )


def test_cli_dask(cluster: str, parts: Path, fitted_model: Model, tmp_path: Path) -> None:
    model_file = Model(pipeline=fitted_model.pipeline, metadata={}).save(tmp_path / "m.joblib")
    out = tmp_path / "out.parquet"
    result = runner.invoke(
        app,
        [
            "classify",
            str(parts / "csv"),
            "-o",
            str(out),
            "--dask",
            cluster,
            "--model",
            str(model_file),
            "--prefix",
            "pred_",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "45 rows (2 with empty text, 0 need review) in 3 partitions" in result.output
    columns = list(pd.read_parquet(out).columns[-9:])
    assert columns == [*result_columns("pred_"), "pred_needs_review"]


def test_review_column_as_the_batch(
    cluster: str, parts: Path, appeals: pd.DataFrame, trained, tmp_path: Path
) -> None:
    single = tmp_path / "in.csv"
    appeals.to_csv(single, index=False)
    batch = classify_file(single, tmp_path / "b.parquet", model=trained.model, review=True)
    want = pd.read_parquet(tmp_path / "b.parquet")["needs_review"]
    result = classify_dask(
        parts / "csv", tmp_path / "d.parquet", address=cluster, model=trained.model, review=True
    )
    got = pd.read_parquet(tmp_path / "d.parquet")["needs_review"]
    assert (
        got.isna().tolist() == want.isna().tolist() == appeals["text"].str.strip().eq("").tolist()
    )
    assert got.fillna(False).tolist() == want.fillna(False).tolist()
    assert result.needs_review == batch.needs_review == int(want.fillna(False).sum())


@pytest.mark.parametrize(
    "source, target, message",
    [
        ("nowhere/*.csv", "out.parquet", "no CSV or Parquet files there"),
        ("csv/part-0.csv", "out.xlsx", r"Dask output must end in \.parquet \(a folder\) or \.csv"),
        ("mixed", "out.csv", "mixes CSV and Parquet files"),
        ("odd/a.jsonl", "out.csv", "Dask input must be .csv or .parquet, not '.jsonl'"),
        ("missing.csv", "out.csv", "missing.csv: file not found"),
    ],
)
def test_bad_input(
    parts: Path, fitted_model: Model, tmp_path: Path, source: str, target: str, message: str
) -> None:
    (parts / "mixed").mkdir(exist_ok=True)
    (parts / "mixed" / "a.csv").write_text("text\nx\n", encoding="utf-8")
    (parts / "mixed" / "b.parquet").write_bytes((parts / "parquet" / "part-0.parquet").read_bytes())
    (parts / "odd").mkdir(exist_ok=True)
    (parts / "odd" / "a.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    # No cluster: these are found before connecting.
    with pytest.raises(InputError, match=message):
        classify_dask(parts / source, tmp_path / target, address="tcp://127.0.0.1:9")


def test_missing_text_column(cluster: str, parts: Path, fitted_model: Model, tmp_path) -> None:
    with pytest.raises(InputError, match=r"part-0\.csv: missing column\(s\) 'body'"):
        classify_dask(
            parts / "csv", tmp_path / "o.csv", address=cluster, model=fitted_model, text_col="body"
        )


def test_unreachable_scheduler(
    parts: Path, fitted_model: Model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("classifier.distributed.CONNECT_TIMEOUT", "1s")
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(AppealsError, match=f"cannot reach the Dask scheduler at {address}"):
            classify_dask(parts / "csv", tmp_path / "o.csv", address=address, model=fitted_model)


@pytest.mark.parametrize(
    "address, message",
    [
        ("scheduler", "missing port number in address 'scheduler'"),
        ("http://127.0.0.1:8786", "unknown address scheme 'http'"),
    ],
)
def test_malformed_scheduler_address(
    parts: Path, fitted_model: Model, tmp_path: Path, address: str, message: str
) -> None:
    with pytest.raises(
        AppealsError, match=f"cannot reach the Dask scheduler at {address}: {message}"
    ):
        classify_dask(parts / "csv", tmp_path / "o.csv", address=address, model=fitted_model)


def test_input_files_are_sorted(parts: Path) -> None:
    files, fmt = input_files(parts / "csv")
    assert fmt == "csv"
    assert [p.name for p in files] == ["part-0.csv", "part-1.csv", "part-2.csv"]
