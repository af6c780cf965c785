"""A lean scorer compiled from a fitted pipeline: the same probabilities without scikit-learn's per-call machinery.

`compile_pipeline` reads a fitted `build_pipeline` pipeline (TextNormalizer, then a
FeatureUnion of word TF-IDF with or without lemmas, character TF-IDF and navec means,
then a multinomial LogisticRegression) and returns a `CompiledScorer`, or None for any
structure, estimator or setting it was not written for; `Model` then keeps using the
pipeline. The scorer reuses the estimators' own per-word caches (lemmas, character
n-gram ids, navec vectors) and their fitted vocabularies, idf and coefficients, and
is built at load time, never pickled: model files do not change.

Before it is returned, the scorer is checked against the pipeline on probe texts
(`PROBE_TOLERANCE`), so a scikit-learn version that computes differently is caught
at load time instead of diverging silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.embeddings import EmbeddingFeatures
from classifier.normalize import normalize_text
from classifier.pipeline import _split
from classifier.preprocess import LemmaPreprocessor, TextNormalizer
from classifier.vectorizers import WordCachedTfidfVectorizer

# `Model` scores calls of at most this many texts with the scorer, larger ones with the
# pipeline: the scorer saves scikit-learn's per-call cost (~1.5 ms), which a large call
# spreads thin, and there the pipeline's batched sparse steps are as fast or faster
# (benchmarks/speed.py). Both give the same probabilities to 1e-9.
SMALL_CALL = 64
# Largest difference from the pipeline's probabilities accepted on the probe texts.
PROBE_TOLERANCE = 1e-9
# Texts scored together at most; bounds the (classes x non-zeros) scratch arrays.
CHUNK = 128
PROBE_TEXTS = (
    "",
    "!!! ???",
    "😡😡",
    "третий день нет горячей воды в доме 5 по улице мира",
    "яма на дороге, машины бьются, ремонт обещали в 2023 г.",
    "мусор не вывозят, контейнеры переполнены, вонь #жкх",
    "qwzx фыврол zzzz",
)


@dataclass(frozen=True)
class _TfidfChannel:
    """A TF-IDF channel: the feature ids of a normalized text, then idf, tf and norm."""

    ids: Callable[[str], Sequence[int]]  # a list or an integer array
    idf: np.ndarray | None
    sublinear_tf: bool
    norm: str | None
    offset: int
    width: int


@dataclass(frozen=True)
class _EmbeddingChannel:
    """The navec channel: one dense row per normalized text."""

    vector: Callable[[str], np.ndarray]
    offset: int
    width: int


@dataclass
class CompiledScorer:
    """Normalize, look features up, one dot product with the coefficients, softmax."""

    classes_: np.ndarray
    channels: tuple[_TfidfChannel | _EmbeddingChannel, ...]
    # The fitted arrays themselves, not copies: a change made in place is scored too.
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    signature: tuple

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, n_classes) array in `classes_` order, as the pipeline's predict_proba.

        Each step runs over all texts before the next (as in the pipeline, which keeps
        each step's tables in the CPU caches), but each text's arithmetic is its own,
        so its probabilities do not depend on the other texts of the call.
        """
        scores = self.decision_function(texts)
        # scikit-learn's softmax: shift by the row maximum, exponentiate, divide by the sum.
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Return the (n, n_classes) scores: intercept plus coefficients times features."""
        parts = [self._scores(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)]
        if not parts:
            return np.zeros((0, len(self.classes_)))
        return parts[0] if len(parts) == 1 else np.vstack(parts)

    def _scores(self, texts: Sequence[str]) -> np.ndarray:
        normalized = [normalize_text(text) for text in texts]
        scores = np.tile(self.intercept, (len(texts), 1))
        for channel in self.channels:
            if isinstance(channel, _EmbeddingChannel):
                weights = self.coef[:, channel.offset : channel.offset + channel.width]
                for row, text in zip(scores, normalized):
                    row += weights @ channel.vector(text).astype(np.float64)
                continue
            indptr, cols, values = _tfidf_rows(channel, normalized)
            rows = _nonempty(indptr)
            if len(rows):
                products = self.coef[:, cols + channel.offset] * values
                scores[rows] += np.add.reduceat(products, indptr[rows], axis=1).T
        return scores


def _nonempty(indptr: np.ndarray) -> np.ndarray:
    """The rows of a CSR index pointer that hold at least one value."""
    return np.flatnonzero(indptr[1:] > indptr[:-1])


def _tfidf_rows(
    channel: _TfidfChannel, texts: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (indptr, columns, values) of the texts' TF-IDF rows, as TfidfTransformer gives them.

    Every operation is element-wise or per row (`np.add.reduceat` sums a row's values
    in order), so a row's values do not depend on the other texts.
    """
    parts = [channel.ids(text) for text in texts]
    lengths = [len(part) for part in parts]
    flat = np.concatenate([np.asarray(part, dtype=np.int64) for part in parts])
    row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keys, counts = np.unique(row_of * channel.width + flat, return_counts=True)
    rows, cols = np.divmod(keys, channel.width)
    indptr = np.searchsorted(rows, np.arange(len(texts) + 1))
    values = _weighted(channel, counts.astype(np.float64), cols)
    nonempty = _nonempty(indptr)
    if channel.norm in ("l1", "l2") and len(nonempty):
        if channel.norm == "l2":
            norms = np.sqrt(np.add.reduceat(values * values, indptr[nonempty]))
        else:
            norms = np.add.reduceat(np.abs(values), indptr[nonempty])
        # A row of zeros keeps its zeros, as sklearn's normalize leaves it.
        norms[norms == 0.0] = 1.0
        values /= np.repeat(norms, np.diff(indptr)[nonempty])
    return indptr, cols, values


def _weighted(channel: _TfidfChannel, counts: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Turn counts into tf-idf weights in place: sublinear tf, then idf."""
    if channel.sublinear_tf:
        np.log(counts, out=counts)
        counts += 1.0
    if channel.idf is not None:
        counts *= channel.idf[cols]
    return counts


def pipeline_signature(pipeline: object) -> tuple:
    """The steps and fitted arrays a scorer reads; a refit or a swapped step gives other objects."""
    parts: list[object] = [pipeline]
    steps = getattr(pipeline, "steps", None)
    if isinstance(steps, list):
        for _, step in steps:
            parts.extend([step, getattr(step, "coef_", None), getattr(step, "intercept_", None)])
            for _, channel in getattr(step, "transformer_list", None) or []:
                inner = [s for _, s in getattr(channel, "steps", None) or []] + [channel]
                for part in inner:
                    parts.extend([part, getattr(part, "vocabulary_", None)])
    return tuple(parts)


def same_signature(a: tuple, b: tuple) -> bool:
    """Whether two signatures name the very same objects."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def compile_pipeline(pipeline: object) -> CompiledScorer | None:
    """Return the lean scorer of a fitted pipeline, or None when its structure is not supported."""
    if type(pipeline) is not Pipeline or pipeline.memory is not None or len(pipeline.steps) != 3:
        return None
    (_, normalizer), (_, union), (_, clf) = pipeline.steps
    if type(normalizer) is not TextNormalizer or type(union) is not FeatureUnion:
        return None
    if union.transformer_weights is not None or not _multinomial(clf):
        return None
    channels: list[_TfidfChannel | _EmbeddingChannel] = []
    offset = 0
    for _, transformer in union.transformer_list:
        channel = _channel(transformer, offset)
        if channel is None:
            return None
        channels.append(channel)
        offset += channel.width
    coef, intercept = clf.coef_, clf.intercept_
    if not isinstance(coef, np.ndarray) or coef.dtype != np.float64:
        return None
    if coef.shape != (len(clf.classes_), offset) or intercept.shape != (len(clf.classes_),):
        return None
    scorer = CompiledScorer(
        classes_=np.asarray(clf.classes_),
        channels=tuple(channels),
        coef=coef,
        intercept=intercept,
        signature=pipeline_signature(pipeline),
    )
    if list(getattr(pipeline, "classes_", [])) != list(scorer.classes_):
        return None
    expected = pipeline.predict_proba(list(PROBE_TEXTS))
    if np.max(np.abs(scorer.predict_proba(list(PROBE_TEXTS)) - expected)) > PROBE_TOLERANCE:
        return None
    return scorer


def _multinomial(clf: object) -> bool:
    """Whether `clf` is a fitted LogisticRegression whose predict_proba is the softmax of its scores."""
    if type(clf) is not LogisticRegression or not hasattr(clf, "coef_"):
        return False
    # Older scikit-learn versions score one-vs-rest with multi_class="ovr"; 1.5+ warn, 1.8+ drop it.
    if getattr(clf, "multi_class", "auto") not in ("auto", "multinomial", "deprecated"):
        return False
    if (
        getattr(clf, "multi_class", "auto") == "auto"
        and getattr(clf, "solver", "lbfgs") == "liblinear"
    ):
        return False
    return len(clf.classes_) > 2


def _channel(transformer: object, offset: int) -> _TfidfChannel | _EmbeddingChannel | None:
    """Return the compiled form of one FeatureUnion channel, or None if it is not supported."""
    if type(transformer) is EmbeddingFeatures:
        width = int(transformer.dimension())
        return _EmbeddingChannel(vector=transformer.vector, offset=offset, width=width)
    if type(transformer) is WordCachedTfidfVectorizer:
        if not transformer.word_cached() or not _plain_tfidf(transformer):
            return None
        return _tfidf_channel(transformer, transformer.text_ids, offset)
    lemmas: LemmaPreprocessor | None = None
    vectorizer = transformer
    if type(transformer) is Pipeline:
        if transformer.memory is not None or not 1 <= len(transformer.steps) <= 2:
            return None
        *first, (_, vectorizer) = transformer.steps
        if first:
            lemmas = first[0][1]
            if type(lemmas) is not LemmaPreprocessor:
                return None
    if type(vectorizer) is not TfidfVectorizer or not _plain_tfidf(vectorizer):
        return None
    if vectorizer.analyzer != "word" or vectorizer.tokenizer is not _split:
        return None
    if vectorizer.stop_words is not None:
        return None
    vocabulary = vectorizer.vocabulary_
    min_n, max_n = vectorizer.ngram_range

    def ids(text: str) -> list[int]:
        tokens = (lemmas.lemmatize(text) if lemmas is not None else text).split()
        found = []
        for n in range(min_n, max_n + 1):
            for i in range(len(tokens) - n + 1):
                index = vocabulary.get(tokens[i] if n == 1 else " ".join(tokens[i : i + n]))
                if index is not None:
                    found.append(index)
        return found

    return _tfidf_channel(vectorizer, ids, offset)


def _plain_tfidf(vectorizer: TfidfVectorizer) -> bool:
    """Whether the vectorizer's text handling is the plain one the scorer reproduces."""
    return (
        hasattr(vectorizer, "vocabulary_")
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and not vectorizer.lowercase
        and vectorizer.strip_accents is None
        and not vectorizer.binary
        and vectorizer.dtype in (np.float64, "float64")
        and vectorizer.norm in ("l2", "l1", None)
    )


def _tfidf_channel(
    vectorizer: TfidfVectorizer, ids: Callable[[str], list[int]], offset: int
) -> _TfidfChannel:
    idf = vectorizer.idf_ if vectorizer.use_idf else None
    return _TfidfChannel(
        ids=ids,
        idf=idf,
        sublinear_tf=bool(vectorizer.sublinear_tf),
        norm=vectorizer.norm,
        offset=offset,
        width=len(vectorizer.vocabulary_),
    )
