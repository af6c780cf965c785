"""Explanations: the words of an appeal that pushed the model toward its label.

For the linear pipeline (`classifier.pipeline`) a feature's contribution to a label's
score is its value times that label's coefficient minus the mean coefficient over the
labels (``centered``). Each contribution is attributed back to the words of the
original text that produced it: a lemma unigram to the words with that lemma, a lemma
bigram half to each of its two words, a character n-gram to the words containing it
(in proportion to how often), an embedding channel's share to each known word by its
vector. Contributions are summed per word as it is written in the appeal (grouped
case-insensitively, with every place it occurs), largest first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from classifier.labels import LABELS
from classifier.morph import lemma_of, morph_analyzer
from classifier.normalize import normalize_text

if TYPE_CHECKING:
    from classifier.model import Model

DEFAULT_TOP = 10
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
# Placeholders `classifier.pii.mask_pii` writes: never shown in an explanation.
_MASK = re.compile(r"\[[А-ЯЁA-Z]+\]")


@dataclass(frozen=True)
class ExplanationTerm:
    """A word of the appeal as written, its summed contribution, and where it occurs."""

    text: str
    weight: float
    spans: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "text": self.text,
            "weight": round(self.weight, 6),
            "spans": [list(s) for s in self.spans],
        }


@dataclass
class _Token:
    word: int  # index of the original word
    lemma: str | None
    form: str


def _tokens(text: str) -> tuple[list[re.Match[str]], list[_Token]]:
    """Return the original words (outside masked parts) and their normalized tokens."""
    masked = [m.span() for m in _MASK.finditer(text)]
    words = [m for m in _WORD.finditer(text) if not any(a <= m.start() < b for a, b in masked)]
    analyzer = morph_analyzer()
    kept: list[re.Match[str]] = []
    tokens = []
    for m in words:
        forms = normalize_text(m.group()).split()
        # Numbers, phones, e-mails become placeholders: never shown as a reason.
        if all(form.startswith("_") for form in forms):
            continue
        for form in forms:
            lemma = form if form.startswith("_") else lemma_of(form, analyzer)
            tokens.append(_Token(len(kept), lemma, form))
        kept.append(m)
    return kept, tokens


def _channels(pipeline) -> tuple[object, object, list[tuple[str, object, int]], object]:
    """Return (normalizer, feature union, [(name, transformer, width)], classifier)."""
    steps = pipeline.named_steps
    union = steps["features"]
    channels = []
    for name, transformer in union.transformer_list:
        if transformer in ("drop", None):
            continue
        if name == "embeddings":
            width = len(transformer.get_feature_names_out())
        else:
            vectorizer = transformer.steps[-1][1] if hasattr(transformer, "steps") else transformer
            width = len(vectorizer.vocabulary_)
        channels.append((name, transformer, width))
    return steps["normalize"], union, channels, steps["clf"]


def explain_texts(
    model: Model,
    texts: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    top: int = DEFAULT_TOP,
    centered: bool = True,
) -> list[list[ExplanationTerm]]:
    """Return, per text, its `top` words by contribution to `labels` (default: predicted)."""
    texts = list(texts)
    if labels is None:
        labels = [p.label for p in model.predict(texts)]
    normalizer, union, channels, clf = _channels(model.pipeline)
    filled = [i for i, t in enumerate(texts) if t.strip()]
    out: list[list[ExplanationTerm]] = [[] for _ in texts]
    if not filled:
        return out
    X = union.transform(normalizer.transform([texts[i] for i in filled]))
    X = X.tocsr() if hasattr(X, "tocsr") else np.asarray(X)
    coef = np.asarray(clf.coef_)
    classes = list(clf.classes_)
    if coef.shape[0] == 1:  # binary: one row for the second class
        coef = np.vstack([-coef[0], coef[0]])
    for row, i in enumerate(filled):
        label = labels[i] if labels[i] in classes else LABELS[0]
        w = coef[classes.index(label)]
        if centered:
            w = w - coef.mean(axis=0)
        x = X[row]
        out[i] = _explain_one(texts[i], x, w, channels, top)
    return out


def _explain_one(text: str, x, w: np.ndarray, channels, top: int) -> list[ExplanationTerm]:
    words, tokens = _tokens(text)
    credit = np.zeros(len(words))
    offset = 0
    if hasattr(x, "toarray"):
        x = x.tocsr()
        indices, values = x.indices, x.data
    else:
        x = np.asarray(x).ravel()
        indices = np.flatnonzero(x)
        values = x[indices]
    contribution = dict(zip(indices.tolist(), (values * w[indices]).tolist()))
    for name, transformer, width in channels:
        block = {f - offset: c for f, c in contribution.items() if offset <= f < offset + width}
        if name == "embeddings":
            _credit_embeddings(transformer, tokens, w[offset : offset + width], credit)
        elif name == "chars":
            _credit_chars(transformer, tokens, block, credit)
        else:
            vectorizer = transformer.steps[-1][1] if hasattr(transformer, "steps") else transformer
            # Without a lemma step (``lemmatize=False``) the channel reads the word forms.
            lemmas = "lemmas" in getattr(transformer, "named_steps", {})
            _credit_lemmas(vectorizer, tokens, block, credit, lemmas=lemmas)
        offset += width
    grouped: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(words):
        grouped[m.group().lower()].append(i)
    terms = [
        ExplanationTerm(
            text=words[idx[0]].group(),
            weight=float(credit[idx].sum()),
            spans=[words[j].span() for j in idx],
        )
        for idx in grouped.values()
        if credit[idx].any()
    ]
    terms.sort(key=lambda t: -t.weight)
    return terms[:top]


def _credit_lemmas(
    vectorizer, tokens: list[_Token], block: dict[int, float], credit, *, lemmas: bool = True
) -> None:
    vocabulary = vectorizer.vocabulary_
    if lemmas:
        kept = [t for t in tokens if t.lemma]
    else:
        kept = [_Token(t.word, t.form, t.form) for t in tokens]
    low, high = getattr(vectorizer, "ngram_range", (1, 1))
    where: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for n in range(low, high + 1):
        for start in range(len(kept) - n + 1):
            gram = kept[start : start + n]
            index = vocabulary.get(" ".join(t.lemma for t in gram))
            if index is not None and index in block:
                where[index].append(tuple(t.word for t in gram))
    for index, places in where.items():
        share = block[index] / len(places)
        for words in places:
            for word in words:
                credit[word] += share / len(words)


def _credit_chars(vectorizer, tokens: list[_Token], block: dict[int, float], credit) -> None:
    vocabulary = vectorizer.vocabulary_
    analyze = vectorizer.build_analyzer()
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t in tokens:
        for gram in analyze(t.form):
            index = vocabulary.get(gram)
            if index is not None and index in block:
                counts[index][t.word] += 1
    for index, per_word in counts.items():
        total = sum(per_word.values())
        for word, n in per_word.items():
            credit[word] += block[index] * n / total


def _credit_embeddings(transformer, tokens: list[_Token], w: np.ndarray, credit) -> None:
    from classifier.embeddings import navec_embeddings

    navec = transformer._transient("_embeddings", navec_embeddings)
    vectors = [(t.word, navec.get(t.form)) for t in tokens]
    vectors = [(word, v) for word, v in vectors if v is not None]
    if not vectors:
        return
    mean = np.mean([v for _, v in vectors], axis=0)
    norm = float(np.linalg.norm(mean))
    if not norm:
        return
    scale = transformer.weight / norm / len(vectors)
    for word, v in vectors:
        credit[word] += float(v @ w) * scale
