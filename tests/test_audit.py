from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import LABELS, InputError
from classifier.audit import audit_file, confident_learning
from classifier.cli import app
from classifier.training import out_of_fold

runner = CliRunner()
FAST = {"embeddings": 0.0, "max_iter": 500}


@pytest.mark.parametrize(
    "row, label, flagged, suggested",
    [
        ([0.9, 0.05, 0.03, 0.01, 0.01], "housing", False, None),
        ([0.05, 0.9, 0.03, 0.01, 0.01], "housing", True, "waste"),
        ([0.3, 0.3, 0.2, 0.1, 0.1], "ecology", False, None),
    ],
)
def test_confident_learning_row(row, label, flagged, suggested) -> None:
    # Ten clean rows per class set the thresholds; the row under test is the last one.
    clean = np.vstack([np.eye(5)[[j] * 10] * 0.8 + 0.04 for j in range(5)])
    labels = [name for name in LABELS for _ in range(10)] + [label]
    audit = confident_learning(np.vstack([clean, row]), labels)
    last = next(r for r in audit.rows if r.index == len(labels) - 1)
    assert last.flagged is flagged
    assert audit.n_flagged == int(flagged)
    if suggested:
        assert last.suggested == suggested and audit.rows[0] is last
        assert audit.confident_joint[LABELS.index(label)][LABELS.index(suggested)] == 1


def test_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="proba must have shape"):
        confident_learning(np.zeros((2, 5)), ["housing"])


@pytest.fixture(scope="module")
def flipped(small_train: pd.DataFrame) -> pd.DataFrame:
    """1,000 labelled texts with 5% of the labels flipped to another label at random."""
    sample = small_train.groupby("label", group_keys=False).sample(200, random_state=1)
    sample = sample.reset_index(drop=True)
    rng = np.random.default_rng(0)
    flip = rng.choice(len(sample), size=len(sample) // 20, replace=False)
    sample["true_label"] = sample["label"]
    for i in flip:
        sample.loc[i, "label"] = rng.choice([x for x in LABELS if x != sample.loc[i, "label"]])
    return sample


def test_flipped_labels_rank_on_top(flipped: pd.DataFrame) -> None:
    proba = out_of_fold(flipped["text"].tolist(), flipped["label"].tolist(), folds=3, params=FAST)
    audit = confident_learning(proba, flipped["label"].tolist())
    flips = set(np.flatnonzero(flipped["label"] != flipped["true_label"]))
    top = {r.index for r in audit.top(2 * len(flips))}
    recall = len(flips & top) / len(flips)
    print(f"recall of {len(flips)} flipped labels in the top {2 * len(flips)} rows: {recall:.2f}")
    assert recall >= 0.7
    suggested = {r.index: r.suggested for r in audit.rows}
    right = np.mean([suggested[i] == flipped.loc[i, "true_label"] for i in flips & top])
    assert right >= 0.7


def test_audit_file_keeps_id_and_text(tmp_path: Path, flipped: pd.DataFrame) -> None:
    path = tmp_path / "labelled.csv"
    frame = flipped.head(300).copy()
    frame = pd.concat([frame, frame.head(2)], ignore_index=True)  # duplicates are dropped
    frame[["id", "text", "label"]].to_csv(path, index=False, encoding="utf-8")
    result = audit_file(path, tmp_path / "audit.csv", folds=2)
    written = pd.read_csv(result.output, dtype=str, keep_default_na=False)
    assert len(written) == result.n == 300
    assert {"id", "row", "label", "suggested", "score", "flagged", "text"} <= set(written.columns)
    by_id = dict(zip(frame["id"], frame["text"]))
    assert all(by_id[i] == t for i, t in zip(written["id"], written["text"]))
    assert written["score"].astype(float).is_monotonic_decreasing or written["flagged"].iloc[0]


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [{"text": f"яма {i}", "label": "roads"} for i in range(6)]
            + [{"text": "мусор", "label": "waste"}],
            "too few rows of 'waste' (1)",
        ),
        ([{"text": "яма", "label": "дороги?"}], "unknown label"),
    ],
)
def test_cli_audit_bad_input(tmp_path: Path, rows, message: str) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = runner.invoke(app, ["audit", str(path)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_train_writes_audit_beside_model(trained, tmp_path: Path, monkeypatch) -> None:
    # The audit reuses train()'s CV probabilities: out_of_fold runs once per train.
    assert trained.audit is not None and len(trained.audit.rows) == len(trained.data.texts)
    import classifier.training as training

    calls = []
    real = training.out_of_fold
    monkeypatch.setattr(training, "out_of_fold", lambda *a, **k: calls.append(1) or real(*a, **k))
    path = tmp_path / "tiny.csv"
    rows = [(f"нет горячей воды в доме {i}", "housing") for i in range(12)]
    rows += [(f"яма на дороге номер {i}", "roads") for i in range(12)]
    rows += [(f"не вывозят мусор неделю {i}", "waste") for i in range(12)]
    rows += [(f"дым от завода {i}", "ecology") for i in range(12)]
    rows += [(f"спасибо за помощь {i}", "other") for i in range(12)]
    pd.DataFrame(rows, columns=["text", "label"]).assign(
        id=lambda f: f.index.map("t{}".format)
    ).to_csv(path, index=False)
    monkeypatch.setattr(training, "fit_pipeline", _fast_fit(training.fit_pipeline))
    result = runner.invoke(
        app, ["train", str(path), "-o", str(tmp_path / "m.joblib"), "--folds", "2"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [1]
    audit = tmp_path / "m.audit.csv"
    assert (
        f"look mislabelled (confident learning on the CV probabilities); ranked list: {audit}"
        in (" ".join(result.output.split()))
    )
    written = pd.read_csv(audit, dtype=str)
    assert len(written) == 60 and written["id"].str.startswith("t").all()


def _fast_fit(fit):
    def fast(texts, labels, *, params=None, weights=None):
        return fit(texts, labels, params={**FAST, **(params or {})}, weights=weights)

    return fast


def test_bad_folds() -> None:
    from classifier import ConfigError

    with pytest.raises(ConfigError, match="folds"):
        audit_file("x.csv", folds=1)
    assert issubclass(ConfigError, Exception) and InputError


def test_cli_audit(tmp_path: Path, flipped: pd.DataFrame, monkeypatch) -> None:
    import classifier.training as training

    monkeypatch.setattr(training, "fit_pipeline", _fast_fit(training.fit_pipeline))
    path = tmp_path / "labelled.xlsx"
    flipped.head(200)[["id", "text", "label"]].to_excel(path, index=False)
    result = runner.invoke(app, ["audit", str(path), "--folds", "2", "--top", "3"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "labelled.audit.csv"
    assert f"rows look mislabelled; all rows ranked in {out}" in " ".join(result.output.split())
    assert len(pd.read_csv(out)) == 200
