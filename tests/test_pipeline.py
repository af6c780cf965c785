from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from sklearn.base import clone

from classifier import LABELS, Model, build_pipeline


def test_fitted_pipeline_knows_the_five_labels(fitted_model: Model) -> None:
    assert sorted(fitted_model.labels) == sorted(LABELS)


def test_pickle_round_trip_gives_identical_predictions(
    fitted_model: Model, test_frame: pd.DataFrame
) -> None:
    texts = test_frame["text"].head(200).tolist()
    restored = pickle.loads(pickle.dumps(fitted_model.pipeline))
    np.testing.assert_array_equal(
        restored.predict_proba(texts), fitted_model.pipeline.predict_proba(texts)
    )


def test_clone_refits_to_identical_predictions(
    fitted_model: Model, small_train: pd.DataFrame, test_frame: pd.DataFrame
) -> None:
    texts = test_frame["text"].head(200).tolist()
    refit = clone(fitted_model.pipeline).fit(small_train["text"], small_train["label"])
    np.testing.assert_allclose(
        refit.predict_proba(texts), fitted_model.pipeline.predict_proba(texts), atol=1e-9
    )


def test_clone_is_unfitted_and_keeps_parameters() -> None:
    pipeline = build_pipeline(C=3.0, char_ngrams=(1, 3))
    copy = clone(pipeline)
    assert copy.get_params()["clf__C"] == 3.0
    assert copy.get_params()["features__chars__ngram_range"] == (1, 3)
    assert not hasattr(copy.named_steps["clf"], "coef_")


def test_pickled_model_holds_no_morph_analyzer(fitted_model: Model) -> None:
    fitted_model.predict(["нет горячей воды"])  # creates the analyzer and the cache
    blob = pickle.dumps(fitted_model.pipeline)
    assert b"MorphAnalyzer" not in blob
    assert len(blob) < 20_000_000


def test_held_out_quality_of_a_small_model(fitted_model: Model, test_frame: pd.DataFrame) -> None:
    # A fifth of the corpus already separates the five labels well on held-out texts.
    predicted = [p.label for p in fitted_model.predict(test_frame["text"].tolist())]
    accuracy = np.mean(np.array(predicted) == test_frame["label"].to_numpy())
    assert accuracy > 0.75
