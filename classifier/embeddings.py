"""Averaged navec word embeddings (natasha's NewsEmbedding) as a dense feature channel."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.errors import ModelFileError
from classifier.transient import TransientStateMixin


@functools.cache
def navec_embeddings():
    """Return the navec news embeddings shipped inside the natasha package, loaded once."""
    from navec import Navec

    spec = importlib.util.find_spec("natasha")
    # Located without importing natasha, whose import pulls in pymorphy2.
    files = (
        sorted(Path(spec.submodule_search_locations[0]).rglob("navec_news_*.tar")) if spec else []
    )
    if not files:
        raise ModelFileError("navec embeddings not found: install natasha (pip install natasha)")
    return Navec.load(files[0])


class EmbeddingFeatures(TransientStateMixin, TransformerMixin, BaseEstimator):
    """Mean navec vector of the known tokens of each text, scaled to length `weight`.

    The embeddings (~50 MB) are loaded on first use and never pickled with the model.
    """

    _TRANSIENT = ("_embeddings", "_cache")

    def __init__(self, *, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Iterable[str], y: object = None) -> EmbeddingFeatures:
        """Nothing to learn; returns self."""
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Return an (n, 300) array, one row per text (zeros where no token is known)."""
        rows = [self.vector(text) for text in X]
        return np.vstack(rows) if rows else np.zeros((0, self.dimension()), np.float32)

    def dimension(self) -> int:
        """The length of the vectors (300 for navec news)."""
        return int(self._transient("_embeddings", navec_embeddings).pq.dim)

    def vector(self, text: str) -> np.ndarray:
        """Return the float32 row of one text: the mean vector of its known tokens, scaled."""
        navec = self._transient("_embeddings", navec_embeddings)
        # navec decodes a quantized vector on every look-up; a dict of decoded vectors
        # per word form is ten times faster on the words appeals repeat.
        cache = self._transient("_cache", dict)
        vectors = []
        for token in text.split():
            try:
                vector = cache[token]
            except KeyError:
                if len(cache) >= 200_000:
                    cache.clear()
                vector = cache[token] = navec.get(token)
            if vector is not None:
                vectors.append(vector)
        mean = np.mean(vectors, axis=0) if vectors else np.zeros(navec.pq.dim, np.float32)
        norm = float(np.linalg.norm(mean))
        return mean * (self.weight / norm) if norm else mean

    def token_vector(self, token: str) -> np.ndarray | None:
        """Return the navec vector of one token (float32, read through the cache of `vector`), or None."""
        cache = self._transient("_cache", dict)
        try:
            return cache[token]
        except KeyError:
            if len(cache) >= 200_000:
                cache.clear()
            vector = cache[token] = self._transient("_embeddings", navec_embeddings).get(token)
            return vector

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Return ``embedding_0`` … ``embedding_<dim-1>`` (loads the embeddings once)."""
        navec = self._transient("_embeddings", navec_embeddings)
        return np.asarray([f"embedding_{i}" for i in range(navec.pq.dim)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
