from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from classifier.embeddings import EmbeddingFeatures


@pytest.fixture(scope="session")
def embedder() -> EmbeddingFeatures:
    return EmbeddingFeatures(weight=0.5)


def test_rows_have_the_weight_as_length(embedder: EmbeddingFeatures) -> None:
    features = embedder.transform(["нет горячей воды", "мусор не вывозят", "zzzqqq"])
    assert features.shape == (3, 300)
    np.testing.assert_allclose(np.linalg.norm(features[:2], axis=1), 0.5, rtol=1e-5)
    assert not features[2].any()  # no known word: a zero row, not NaN


def test_similar_topics_are_closer(embedder: EmbeddingFeatures) -> None:
    water, heating, bus = embedder.transform(["вода трубы", "отопление батареи", "автобус"])
    assert water @ heating > water @ bus


def test_pickle_leaves_the_embeddings_out(embedder: EmbeddingFeatures) -> None:
    embedder.transform(["вода"])
    blob = pickle.dumps(embedder)
    assert len(blob) < 1_000
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.transform(["вода"]), embedder.transform(["вода"]))


def test_clone_keeps_the_weight() -> None:
    assert clone(EmbeddingFeatures(weight=2.0)).get_params() == {"weight": 2.0}
