"""A character n-gram TF-IDF vectorizer that caches feature indices per word form."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from classifier.transient import TransientStateMixin


class WordCachedTfidfVectorizer(TransientStateMixin, TfidfVectorizer):
    """`TfidfVectorizer` with ``analyzer="char_wb"`` whose transform reads a per-word cache.

    ``char_wb`` n-grams never cross white space, so a text's features are the union of
    its words' features. Appeals repeat the same word forms, so after the first few
    hundred texts almost every word's feature indices come from the cache, and
    scikit-learn's per-n-gram Python loop is skipped. The output is identical to
    `TfidfVectorizer.transform`. The cache holds an int32 array per word form, so a
    text's indices are one `np.concatenate`; it is never pickled.
    """

    _TRANSIENT = ("_word_cache", "_analyzer")

    def fit(self, raw_documents: Iterable[str], y: object = None) -> WordCachedTfidfVectorizer:
        """Fit as `TfidfVectorizer.fit`; the cache of the previous vocabulary is dropped."""
        self._drop_cache()
        return super().fit(raw_documents, y)

    def fit_transform(self, raw_documents: Iterable[str], y: object = None) -> sp.csr_matrix:
        """Fit and transform as `TfidfVectorizer.fit_transform`; the old cache is dropped."""
        self._drop_cache()
        return super().fit_transform(raw_documents, y)

    def _drop_cache(self) -> None:
        for name in self._TRANSIENT:
            self.__dict__.pop(name, None)

    def word_cached(self) -> bool:
        """Whether transform reads the per-word cache (char_wb, no lowercasing, no preprocessor)."""
        return self.analyzer == "char_wb" and not self.lowercase and self.preprocessor is None

    def text_ids(self, text: str) -> np.ndarray:
        """Return the feature index of each n-gram occurrence of a text, read through the cache."""
        check_is_fitted(self, "vocabulary_")
        cache = self._transient("_word_cache", dict)
        arrays = []
        for word in text.split():
            ids = cache.get(word)
            if ids is None:
                ids = self._cache_word(word, cache)
            arrays.append(ids)
        return np.concatenate(arrays) if arrays else np.zeros(0, np.int32)

    def _cache_word(self, word: str, cache: dict) -> np.ndarray:
        if len(cache) >= 500_000:
            cache.clear()
        analyze = self._transient("_analyzer", self.build_analyzer)
        vocabulary = self.vocabulary_
        ids = [vocabulary[g] for g in analyze(word) if g in vocabulary]
        cache[word] = array = np.array(ids, dtype=np.int32)
        return array

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        """Return the TF-IDF matrix, as `TfidfVectorizer.transform` would."""
        if not self.word_cached():
            return super().transform(raw_documents)
        check_is_fitted(self, "vocabulary_")
        rows = [self.text_ids(doc) for doc in raw_documents]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in rows], out=indptr[1:])
        indices = np.concatenate(rows) if rows else np.zeros(0, np.int32)
        counts = sp.csr_matrix(
            (np.ones(len(indices)), indices, indptr),
            shape=(len(indptr) - 1, len(self.vocabulary_)),
            dtype=self.dtype,
        )
        counts.sum_duplicates()
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)
