"""Shared fixtures: expensive objects are built once per session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from classifier import Model, build_pipeline
from classifier.pipeline import compact_fitted

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def train_frame() -> pd.DataFrame:
    """The project's labelled training corpus."""
    return pd.read_csv(DATA / "train.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def test_frame() -> pd.DataFrame:
    """The project's held-out test corpus."""
    return pd.read_csv(DATA / "test.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def small_train(train_frame: pd.DataFrame) -> pd.DataFrame:
    """A stratified fifth of the training corpus, enough for fast pipeline tests."""
    return train_frame.groupby("label", group_keys=False).sample(frac=0.2, random_state=0)


@pytest.fixture(scope="session")
def fitted_model(small_train: pd.DataFrame) -> Model:
    """A model fitted in the test session (tests do not read models/ unless on purpose)."""
    pipeline = build_pipeline().fit(small_train["text"].tolist(), small_train["label"].tolist())
    return Model(pipeline=compact_fitted(pipeline), metadata={"params": {}})


@pytest.fixture(scope="session")
def trained(small_train: pd.DataFrame):
    """A model trained through `train()` with 5-fold CV, so it carries quantification rates."""
    from classifier import LabelledData, train

    data = LabelledData(
        small_train["text"].tolist(), small_train["label"].tolist(), path=Path("small.csv")
    )
    return train(data, folds=5)
