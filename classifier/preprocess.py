"""A scikit-learn transformer from raw appeal text to normalized lemmas."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.morph import lemma_of, morph_analyzer
from classifier.normalize import normalize_text
from classifier.transient import TransientStateMixin


class LemmaPreprocessor(TransientStateMixin, TransformerMixin, BaseEstimator):
    """Turn each text into a space-separated string of lemmas and placeholders.

    Lemmas are cached per word form: pymorphy3 costs ~50 us a parse, a dict look-up
    well under 1 us. The analyzer and the cache are created on first use and never
    pickled, so the fitted model file stays small and loads in any process.

    >>> LemmaPreprocessor().transform(["Третий день нет горячей воды, ул. Мира д. 5"])
    ['третий день нет горячий вода улица мир дом _house_']
    """

    _TRANSIENT = ("_morph", "_cache")

    def __init__(self, *, normalize: bool = True, max_cache: int = 500_000) -> None:
        self.normalize = normalize
        self.max_cache = max_cache

    def fit(self, X: Iterable[str], y: object = None) -> LemmaPreprocessor:
        """Nothing to learn; returns self."""
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        """Return one lemma string per input text, in order."""
        return [self.lemmatize(text) for text in X]

    def lemmatize(self, text: str) -> str:
        """Return the lemma string of one text."""
        tokens = normalize_text(text).split() if self.normalize else text.split()
        cache = self._transient("_cache", dict)
        analyzer = self._transient("_morph", morph_analyzer)
        out = []
        for token in tokens:
            if token.startswith("_"):
                out.append(token)
                continue
            try:
                lemma = cache[token]
            except KeyError:
                if len(cache) >= self.max_cache:
                    cache.clear()
                lemma = cache[token] = lemma_of(token, analyzer)
            if lemma:
                out.append(lemma)
        return " ".join(out)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Return the one output "feature", the text column (scikit-learn's naming contract)."""
        return np.asarray(input_features if input_features is not None else ["text"], object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Turn each raw text into its normalized token string (see `normalize_text`)."""

    def fit(self, X: Iterable[str], y: object = None) -> TextNormalizer:
        """Nothing to learn; returns self."""
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        """Return one normalized string per input text, in order."""
        return [normalize_text(text) for text in X]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Return the one output "feature", the text column (scikit-learn's naming contract)."""
        return np.asarray(input_features if input_features is not None else ["text"], object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
