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
    `TfidfVectorizer.transform`. The cache is never pickled.
    """

    _TRANSIENT = ("_word_cache",)

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        """Return the TF-IDF matrix, as `TfidfVectorizer.transform` would."""
        if self.analyzer != "char_wb" or self.lowercase or self.preprocessor is not None:
            return super().transform(raw_documents)
        check_is_fitted(self, "vocabulary_")
        cache = self._transient("_word_cache", dict)
        analyze = self.build_analyzer()
        vocabulary = self.vocabulary_
        indices: list[int] = []
        indptr = [0]
        for doc in raw_documents:
            for word in doc.split():
                ids = cache.get(word)
                if ids is None:
                    if len(cache) >= 500_000:
                        cache.clear()
                    ids = cache[word] = [vocabulary[g] for g in analyze(word) if g in vocabulary]
                indices.extend(ids)
            indptr.append(len(indices))
        counts = sp.csr_matrix(
            (np.ones(len(indices)), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(indptr) - 1, len(vocabulary)),
            dtype=self.dtype,
        )
        counts.sum_duplicates()
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)
