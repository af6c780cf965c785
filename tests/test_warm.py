"""Warm start: the fast path, the analyzer, navec and the per-word caches before the first call."""

from __future__ import annotations

import pickle

import numpy as np

from classifier import Model
from classifier.warm import vocabulary_words, warm_up


def _cold(model: Model) -> Model:
    """A copy of the model without any cache (caches are never pickled)."""
    return pickle.loads(pickle.dumps(model))


def test_warm_up_primes_caches_with_the_vocabulary(fitted_model: Model) -> None:
    model = _cold(fitted_model)
    union = model.pipeline.named_steps["features"]
    lemmas = union.transformer_list[0][1].named_steps["lemmas"]
    chars, embeddings = union.transformer_list[1][1], union.transformer_list[2][1]
    assert "_cache" not in lemmas.__dict__ and "_word_cache" not in chars.__dict__
    warm = warm_up(model)
    words = vocabulary_words(model.pipeline)
    assert warm.compiled and warm.words == len(words) > 100
    for cache in (lemmas._cache, chars._word_cache, embeddings._cache):
        assert set(words) <= set(cache)
    assert model._compiled is not None


def test_warm_up_does_not_change_predictions(fitted_model: Model, test_frame) -> None:
    texts = test_frame["text"].tolist()[:100]
    cold = _cold(fitted_model)
    before = cold.predict_proba(texts)
    cold.warm()
    np.testing.assert_array_equal(cold.predict_proba(texts), before)


def test_vocabulary_words_are_single_words(fitted_model: Model) -> None:
    words = vocabulary_words(fitted_model.pipeline)
    assert words == sorted(words)
    assert all(" " not in w and not w.startswith("_") for w in words)
