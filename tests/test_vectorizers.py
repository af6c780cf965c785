from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.normalize import normalize_text
from classifier.vectorizers import WordCachedTfidfVectorizer

PARAMS = [
    {"ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True},
    {"ngram_range": (1, 3), "min_df": 1, "sublinear_tf": False, "max_features": 500},
    {"ngram_range": (3, 4), "min_df": 1, "binary": True, "norm": None},
]


@pytest.fixture(scope="module")
def normalized(test_frame: pd.DataFrame) -> list[str]:
    return [normalize_text(t) for t in test_frame["text"].head(400)]


@pytest.mark.parametrize("params", PARAMS)
def test_same_matrix_as_scikit_learn(normalized: list[str], params: dict) -> None:
    common = {"analyzer": "char_wb", "lowercase": False, **params}
    ours = WordCachedTfidfVectorizer(**common).fit(normalized[:300])
    reference = TfidfVectorizer(**common).fit(normalized[:300])
    unseen = [*normalized[300:], "", "слово неизвестноеслово", "  пробелы   "]
    for docs in (unseen, unseen):  # the second pass reads the cache
        expected = reference.transform(docs)
        actual = ours.transform(docs)
        assert actual.shape == expected.shape
        np.testing.assert_allclose(actual.toarray(), expected.toarray(), rtol=1e-12, atol=1e-12)


def test_cache_is_not_pickled(normalized: list[str]) -> None:
    vectorizer = WordCachedTfidfVectorizer(analyzer="char_wb", lowercase=False).fit(normalized)
    vectorizer.transform(normalized)
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert "_word_cache" not in restored.__dict__
    assert (restored.transform(normalized) != vectorizer.transform(normalized)).nnz == 0
