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
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.embeddings import EmbeddingFeatures
from classifier.normalize import normalize_words
from classifier.pipeline import _split
from classifier.preprocess import LemmaPreprocessor, TextNormalizer
from classifier.vectorizers import WordCachedTfidfVectorizer
from classifier.wordtable import CodeColumn, IdsColumn, VectorColumn, WordTable

# Keys (one per feature occurrence) from which `_count` hashes rather than sorts.
HASHED_KEYS = 20_000
# Largest difference from the pipeline's probabilities accepted on the probe texts.
PROBE_TOLERANCE = 1e-9
# Texts scored together at most: larger chunks spread numpy's per-call cost thinner,
# smaller ones keep the (classes x non-zeros) scratch arrays in the CPU caches.
CHUNK = 256
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
class _Tfidf:
    """How a TF-IDF channel weighs counts: sublinear tf, idf, row norm; its columns in `coef`."""

    idf: np.ndarray | None
    sublinear_tf: bool
    norm: str | None
    offset: int
    width: int


@dataclass(frozen=True)
class _CharChannel:
    """Character n-grams: a text's ids are its words' ids, read from the word table."""

    tfidf: _Tfidf
    word_ids: Callable[[str], np.ndarray]

    @property
    def width(self) -> int:
        return self.tfidf.width

    def column(self) -> IdsColumn:
        return IdsColumn(self.word_ids)

    def features(self, batch: _Batch, column: tuple[np.ndarray, np.ndarray]):
        ids, offsets = column
        starts = offsets[batch.words]
        lengths = offsets[batch.words + 1] - starts
        return np.repeat(batch.row_of, lengths), ids[_ranges(starts, lengths)]


@dataclass(frozen=True)
class _WordChannel:
    """Word uni- and bigrams over the lemmas (or word forms), from one lemma code per word.

    A word's code is the index of its lemma among the words of the vocabulary's terms
    (`unknown` for a lemma outside them, DROPPED for a word without one, SPLIT for a
    lemma of several tokens, which the scorer leaves to `text_ids`). Bigram terms are
    found by a binary search over their sorted (code, code) keys.
    """

    tfidf: _Tfidf
    code_of: Callable[[str], int]
    unknown: int
    unigram_ids: np.ndarray | None  # code -> feature id or -1; None without unigrams
    bigram_keys: np.ndarray | None  # sorted code_a * (unknown + 1) + code_b; None without bigrams
    bigram_ids: np.ndarray | None
    text_ids: Callable[[str], list[int]]

    @property
    def width(self) -> int:
        return self.tfidf.width

    def column(self) -> CodeColumn:
        return CodeColumn(self.code_of)

    def features(self, batch: _Batch, column: np.ndarray):
        codes = column[batch.words]
        if (codes == SPLIT).any():
            return self._features_per_text(batch)
        kept = codes >= 0
        codes, rows = codes[kept], batch.row_of[kept]
        row_parts, id_parts = [], []
        if self.unigram_ids is not None:
            ids = self.unigram_ids[codes]
            found = ids >= 0
            row_parts.append(rows[found])
            id_parts.append(ids[found])
        if self.bigram_keys is not None and len(codes) > 1 and len(self.bigram_keys):
            same_text = rows[1:] == rows[:-1]
            keys = codes[:-1][same_text].astype(np.int64) * (self.unknown + 1)
            keys += codes[1:][same_text]
            at = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
            found = self.bigram_keys[at] == keys
            row_parts.append(rows[:-1][same_text][found])
            id_parts.append(self.bigram_ids[at[found]])
        if not row_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        rows, ids = np.concatenate(row_parts), np.concatenate(id_parts)
        order = np.argsort(rows, kind="stable")  # unigrams and bigrams, text by text
        return rows[order], ids[order]

    def _features_per_text(self, batch: _Batch):
        parts = [np.asarray(self.text_ids(text), np.int64) for text in batch.texts]
        rows = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
        return rows, np.concatenate(parts) if parts else np.zeros(0, np.int64)


@dataclass(frozen=True)
class _EmbeddingChannel:
    """The navec channel: the scaled mean of the known words' vectors, as EmbeddingFeatures.vector."""

    features: EmbeddingFeatures
    offset: int
    width: int

    def column(self) -> VectorColumn:
        return VectorColumn(self.features.token_vector, self.width)

    def rows(self, batch: _Batch, column: tuple[np.ndarray, np.ndarray]):
        """(texts with a known word, their float32 rows), the same bits as `vector` gives."""
        index, vectors = column
        found = index[batch.words]
        known = found >= 0
        counts = np.bincount(batch.row_of[known], minlength=len(batch.tokens))
        texts = np.flatnonzero(counts)
        if not len(texts):
            return texts, np.zeros((0, self.width), np.float32)
        # np.mean's steps: a float32 sum of the vectors in order, divided by the count;
        # then np.linalg.norm's float32 dot product, and a float32 scaling.
        rows = found[known]
        ends = np.cumsum(counts[texts])
        means = np.empty((len(texts), self.width), np.float32)
        # One np.add.reduce per text: it adds rows in order, as np.mean does, while
        # np.add.reduceat adds them in another order and so in other bits.
        for i, (start, end) in enumerate(zip((ends - counts[texts]).tolist(), ends.tolist())):
            np.add.reduce(vectors[rows[start:end]], axis=0, out=means[i])
        np.true_divide(means, counts[texts, np.newaxis], out=means, casting="unsafe")
        norms = np.sqrt([mean.dot(mean) for mean in means]).astype(np.float64)
        scaled = norms != 0
        factors = self.features.weight / norms[scaled]
        means[scaled] *= factors.astype(np.float32)[:, np.newaxis]
        return texts, means


Channel = _CharChannel | _WordChannel | _EmbeddingChannel
DROPPED = -1
SPLIT = -2


@dataclass(frozen=True)
class _Batch:
    """A chunk's normalized words per text and, per word occurrence, its text and word-table id."""

    tokens: list[list[str]]
    row_of: np.ndarray
    words: np.ndarray

    @property
    def texts(self) -> list[str]:
        """The normalized texts, as normalize_text gives them."""
        return [" ".join(tokens) for tokens in self.tokens]


@dataclass
class CompiledScorer:
    """Normalize, look words up in the word table, one product with the coefficients, softmax."""

    classes_: np.ndarray
    channels: tuple[Channel, ...]
    # The fitted arrays themselves, not copies: a change made in place is scored too.
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    signature: tuple
    table: WordTable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.table = WordTable(lambda: [channel.column() for channel in self.channels])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, n_classes) array in `classes_` order, as the pipeline's predict_proba.

        Each step runs over all texts of a chunk before the next, but each text's
        arithmetic is its own, so its probabilities do not depend on the other texts
        of the call.
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
        words = list(map(normalize_words, texts))
        lookup = self.table.lookup(list(chain.from_iterable(words)))
        lengths = np.fromiter(map(len, words), np.int64, len(words))
        batch = _Batch(words, np.repeat(np.arange(len(texts)), lengths), lookup.ids)
        scores = np.tile(self.intercept, (len(texts), 1))
        # scikit-learn leaves coef_ in Fortran order: its transpose is then a C-order
        # view, one row per feature, whose rows a gather reads at one place each.
        by_feature = self.coef.T if self.coef.T.flags.c_contiguous else None
        for channel, column in zip(self.channels, lookup.columns):
            if isinstance(channel, _EmbeddingChannel):
                rows, vectors = channel.rows(batch, column)
                weights = self.coef[:, channel.offset : channel.offset + channel.width]
                # A (1 x width) product per text: one product of all rows would round
                # differently for one text than for many.
                vectors = vectors.astype(np.float64)[:, np.newaxis, :]
                scores[rows] += np.matmul(vectors, weights.T)[:, 0]
                continue
            rows, ids = channel.features(batch, column)
            _add_tfidf_scores(scores, self.coef, by_feature, channel.tfidf, rows, ids)
        return scores


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start, start + 1, ... of each (start, length) range, concatenated."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths)


def _add_tfidf_scores(
    scores: np.ndarray,
    coef: np.ndarray,
    by_feature: np.ndarray | None,
    tfidf: _Tfidf,
    rows: np.ndarray,
    ids: np.ndarray,
) -> None:
    """Add coefficients times TF-IDF values to `scores`, from one (row, feature id) per occurrence.

    `by_feature` is coef.T as a C-order view, or None where coef_ is in C order.
    """
    indptr, cols, values = _tfidf_rows(tfidf, rows, ids, len(scores))
    nonempty = _nonempty(indptr)
    if not len(nonempty):
        return
    # np.add.reduceat sums a segment in the same order along either axis: same bits.
    if by_feature is None:
        products = np.take(coef, cols + tfidf.offset, axis=1)
        products *= values
        scores[nonempty] += np.add.reduceat(products, indptr[nonempty], axis=1).T
    else:
        products = np.take(by_feature, cols + tfidf.offset, axis=0)
        products *= values[:, np.newaxis]
        scores[nonempty] += np.add.reduceat(products, indptr[nonempty], axis=0)


def _nonempty(indptr: np.ndarray) -> np.ndarray:
    """The rows of a CSR index pointer that hold at least one value."""
    return np.flatnonzero(indptr[1:] > indptr[:-1])


def _tfidf_rows(
    tfidf: _Tfidf, rows: np.ndarray, ids: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (indptr, columns, values) of the TF-IDF rows, as TfidfTransformer gives them.

    `rows` must be sorted (it is: texts in order, each text's words in order).

    Every operation is element-wise or per row (`np.add.reduceat` sums a row's values
    in order), so a row's values do not depend on the other texts.
    """
    # int32 keys hash faster; a chunk's keys fit unless a text is huge.
    dtype = np.int32 if n_rows * tfidf.width < 2**31 else np.int64
    keys = rows.astype(dtype) * dtype(tfidf.width)
    keys += ids.astype(dtype, copy=False)
    keys, counts = _count(keys)
    rows, cols = np.divmod(keys, tfidf.width)
    indptr = np.searchsorted(rows, np.arange(n_rows + 1))
    values = _weighted(tfidf, counts.astype(np.float64), cols)
    nonempty = _nonempty(indptr)
    if tfidf.norm in ("l1", "l2") and len(nonempty):
        if tfidf.norm == "l2":
            norms = np.sqrt(np.add.reduceat(values * values, indptr[nonempty]))
        else:
            norms = np.add.reduceat(np.abs(values), indptr[nonempty])
        # A row of zeros keeps its zeros, as sklearn's normalize leaves it.
        norms[norms == 0.0] = 1.0
        values /= np.repeat(norms, np.diff(indptr)[nonempty])
    return indptr, cols, values


def _count(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys in order of first occurrence, and how often each occurs.

    That order keeps `_tfidf_rows`'s rows sorted and puts a text's features in an order
    that depends on that text alone, so its sums are the same bits in any call.
    """
    if len(keys) >= HASHED_KEYS:
        # Hashing is three times faster than np.unique's sort on a chunk's keys.
        codes, distinct = pd.factorize(keys)
        return distinct, np.bincount(codes, minlength=len(distinct))
    # On a few texts pandas' fixed cost outweighs the sort.
    distinct, first, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.argsort(first)
    return distinct[order], counts[order]


def _weighted(tfidf: _Tfidf, counts: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Turn counts into tf-idf weights in place: sublinear tf, then idf."""
    if tfidf.sublinear_tf:
        np.log(counts, out=counts)
        counts += 1.0
    if tfidf.idf is not None:
        counts *= tfidf.idf[cols]
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
    channels: list[Channel] = []
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


def _channel(transformer: object, offset: int) -> Channel | None:
    """Return the compiled form of one FeatureUnion channel, or None if it is not supported."""
    if type(transformer) is EmbeddingFeatures:
        width = int(transformer.dimension())
        return _EmbeddingChannel(features=transformer, offset=offset, width=width)
    if type(transformer) is WordCachedTfidfVectorizer:
        if not transformer.word_cached() or not _plain_tfidf(transformer):
            return None
        return _CharChannel(tfidf=_tfidf(transformer, offset), word_ids=transformer.text_ids)
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
    return _word_channel(vectorizer, lemmas, _tfidf(vectorizer, offset))


def _word_channel(
    vectorizer: TfidfVectorizer, lemmas: LemmaPreprocessor | None, tfidf: _Tfidf
) -> _WordChannel:
    """The word channel, with its vocabulary turned into lemma codes and bigram keys."""
    vocabulary = vectorizer.vocabulary_
    min_n, max_n = vectorizer.ngram_range

    def text_ids(text: str) -> list[int]:
        tokens = (lemmas.lemmatize(text) if lemmas is not None else text).split()
        found = []
        for n in range(min_n, max_n + 1):
            for i in range(len(tokens) - n + 1):
                index = vocabulary.get(tokens[i] if n == 1 else " ".join(tokens[i : i + n]))
                if index is not None:
                    found.append(index)
        return found

    codes: dict[str, int] = {}
    for term in vocabulary:
        for token in term.split(" "):
            codes.setdefault(token, len(codes))
    unknown = len(codes)
    unigram_ids = np.full(unknown + 1, -1, np.int64) if min_n == 1 else None
    keys, bigram_ids = [], []
    for term, index in vocabulary.items():
        tokens = term.split(" ")
        if len(tokens) == 1 and unigram_ids is not None:
            unigram_ids[codes[term]] = index
        elif len(tokens) == 2 and max_n == 2:
            keys.append(codes[tokens[0]] * (unknown + 1) + codes[tokens[1]])
            bigram_ids.append(index)
    order = np.argsort(np.asarray(keys, np.int64), kind="stable")
    # Per word only where the text's tokens are its words' tokens: lemmas of single
    # words (a lemma step that normalizes again reads whole texts) and n-grams up to 2.
    per_word = (lemmas is None or not lemmas.normalize) and 1 <= min_n <= max_n <= 2

    def code_of(word: str) -> int:
        if not per_word:
            return SPLIT
        tokens = (lemmas.lemmatize(word) if lemmas is not None else word).split()
        if len(tokens) != 1:
            return SPLIT if tokens else DROPPED
        return codes.get(tokens[0], unknown)

    return _WordChannel(
        tfidf=tfidf,
        code_of=code_of,
        unknown=unknown,
        unigram_ids=unigram_ids,
        bigram_keys=np.asarray(keys, np.int64)[order] if max_n == 2 else None,
        bigram_ids=np.asarray(bigram_ids, np.int64)[order] if max_n == 2 else None,
        text_ids=text_ids,
    )


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


def _tfidf(vectorizer: TfidfVectorizer, offset: int) -> _Tfidf:
    return _Tfidf(
        idf=vectorizer.idf_ if vectorizer.use_idf else None,
        sublinear_tf=bool(vectorizer.sublinear_tf),
        norm=vectorizer.norm,
        offset=offset,
        width=len(vectorizer.vocabulary_),
    )
