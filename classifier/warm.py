"""Warm start: pay at load time what the first requests would otherwise pay for."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.pipeline import _vectorizers

if TYPE_CHECKING:
    from classifier.model import Model

# Vocabulary words per priming text: long enough to amortize a call, short enough to stay small.
WORDS_PER_TEXT = 200


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up did: whether the fast path is used, words primed, seconds taken."""

    compiled: bool
    words: int
    seconds: float


def vocabulary_words(pipeline: object) -> list[str]:
    """Return the single words of the word channels' vocabularies (lemmas or word forms), sorted."""
    words: set[str] = set()
    for vectorizer in _vectorizers(pipeline):
        if isinstance(vectorizer, TfidfVectorizer) and vectorizer.analyzer == "word":
            words.update(
                term
                for term in getattr(vectorizer, "vocabulary_", {})
                if " " not in term and not term.startswith("_")
            )
    return sorted(words)


def warm_up(model: Model) -> WarmUp:
    """Build the model's scorer, load the analyzer and navec, and prime the per-word caches.

    The caches (lemmas, character n-gram ids, navec vectors) are filled with the words
    of the model's vocabulary by classifying them, so the loading of pymorphy3's
    dictionaries and of navec, and the first look-up of each known word, happen here
    and not in the first requests. Predictions are unchanged: the caches only memoize.
    """
    start = time.perf_counter()
    compiled = model.scorer is not None
    words = vocabulary_words(model.pipeline)
    texts = [" ".join(words[i : i + WORDS_PER_TEXT]) for i in range(0, len(words), WORDS_PER_TEXT)]
    model.predict_proba(texts or ["вода"])
    return WarmUp(compiled=compiled, words=len(words), seconds=time.perf_counter() - start)
