"""The classification pipeline: lemma and character TF-IDF, then logistic regression."""

from __future__ import annotations

import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.embeddings import EmbeddingFeatures
from classifier.preprocess import LemmaPreprocessor, TextNormalizer
from classifier.vectorizers import WordCachedTfidfVectorizer


def _split(text: str) -> list[str]:
    # A module-level function, not a lambda, so the fitted pipeline pickles.
    return text.split()


def build_pipeline(
    *,
    C: float = 10.0,
    word_ngrams: tuple[int, int] = (1, 2),
    char_ngrams: tuple[int, int] = (2, 5),
    min_df: int = 2,
    max_word_features: int | None = 100_000,
    max_char_features: int | None = 150_000,
    class_weight: str | None = None,
    lemmatize: bool = True,
    embeddings: float = 0.5,
    max_iter: int = 2000,
    random_state: int = 0,
) -> Pipeline:
    """Return an unfitted pipeline from raw texts to the five labels.

    The text is normalized once; the lemma channel reads lemma uni- and bigrams, the
    character channel reads n-grams of the normalized text, which survive typos the
    lemmatizer cannot fix. With ``lemmatize=False`` the word channel reads the
    normalized word forms instead (the baseline of the speed benchmark). With
    ``embeddings > 0`` a third channel adds the mean navec vector of the normalized
    words, scaled to that length.
    """
    word_steps = [("lemmas", LemmaPreprocessor(normalize=False))] if lemmatize else []
    words = Pipeline(
        [
            *word_steps,
            (
                "tfidf",
                TfidfVectorizer(
                    tokenizer=_split,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=word_ngrams,
                    min_df=min_df,
                    max_features=max_word_features,
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    chars = WordCachedTfidfVectorizer(
        analyzer="char_wb",
        ngram_range=char_ngrams,
        min_df=min_df,
        max_features=max_char_features,
        sublinear_tf=True,
        lowercase=False,
    )
    channels = [("words", words), ("chars", chars)]
    if embeddings:
        channels.append(("embeddings", EmbeddingFeatures(weight=embeddings)))
    return Pipeline(
        [
            ("normalize", TextNormalizer()),
            ("features", FeatureUnion(channels)),
            (
                "clf",
                LogisticRegression(
                    C=C,
                    max_iter=max_iter,
                    class_weight=class_weight,
                    random_state=random_state,
                ),
            ),
        ]
    )


def compact_fitted(pipeline: Pipeline) -> Pipeline:
    """Make a fitted pipeline's model file small and byte-for-byte reproducible.

    The vectorizers' `stop_words_` sets only bloat the file, and a cached memory address
    (`_stop_words_id`) differs in every process. Their vocabularies are
    built through string sets, whose order changes from process to process (Python
    randomizes string hashes); sorted and interned, the same data gives the same file.
    """
    for step in _vectorizers(pipeline):
        # `_stop_words_id` is a memory address scikit-learn caches (read back with getattr).
        for attribute in ("stop_words_", "_stop_words_id"):
            step.__dict__.pop(attribute, None)
        # Interned keys: pickle shares equal strings only when they are one object, and
        # which ones are depends on the process. Plain ints pickle smaller than np.int64.
        step.vocabulary_ = {sys.intern(k): int(v) for k, v in sorted(step.vocabulary_.items())}
    return pipeline


def _vectorizers(estimator) -> list[TfidfVectorizer]:
    if isinstance(estimator, TfidfVectorizer):
        return [estimator]
    if isinstance(estimator, Pipeline):
        return [v for _, step in estimator.steps for v in _vectorizers(step)]
    if isinstance(estimator, FeatureUnion):
        return [v for _, step in estimator.transformer_list for v in _vectorizers(step)]
    return []
