"""The compiled scorer: the pipeline's probabilities to 1e-9, or a fallback to the pipeline."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler

from classifier import Model, build_pipeline
from classifier import compiled as compiled_module
from classifier.compiled import CHUNK, CompiledScorer, compile_pipeline
from classifier.labels import LABELS

TOLERANCE = 1e-9

ADVERSARIAL = {
    "empty": "",
    "blank": "   \n\t ",
    "empty after normalization": "—– … «» ()",
    "punctuation only": "!!!???...,,,;;;:::",
    "emoji only": "😡😡😡 🤬 👍🏻",
    "unknown words only": "ъыьъ щзфхк qwxz бзззз ккккк",
    "mixed scripts": "Mусор нe вывoзят 3 дня, yard full of трэш, 垃圾 мусор",
    "one word": "яма",
    "placeholders": "https://x.ru +7 912 345-67-89 ул. Мира д. 5 кв. 12 @user #ЖКХ",
    "1 MB text": ("Третий день нет горячей воды, мусор не вывозят, яма на дороге. " * 17_000)[
        : 1 << 20
    ],
}


@pytest.fixture(scope="session")
def tiny_train(small_train: pd.DataFrame) -> pd.DataFrame:
    """A few hundred labelled texts: enough to fit the variants quickly."""
    return small_train.groupby("label", group_keys=False).head(40)


def _fit(pipeline: Pipeline, frame: pd.DataFrame) -> Pipeline:
    return pipeline.fit(frame["text"].tolist(), frame["label"].tolist())


def test_equals_pipeline_on_test_set(fitted_model: Model, test_frame: pd.DataFrame) -> None:
    texts = test_frame["text"].tolist()
    scorer = fitted_model.scorer
    assert scorer is not None
    expected = fitted_model.pipeline.predict_proba(texts)
    np.testing.assert_allclose(scorer.predict_proba(texts), expected, rtol=0, atol=TOLERANCE)


def test_equals_pipeline_one_text_at_a_time(fitted_model: Model, test_frame: pd.DataFrame) -> None:
    texts = test_frame["text"].tolist()[:150]
    got = np.vstack([fitted_model.scorer.predict_proba([text]) for text in texts])
    expected = fitted_model.pipeline.predict_proba(texts)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_a_texts_probabilities_do_not_depend_on_the_call(
    fitted_model: Model, test_frame: pd.DataFrame
) -> None:
    # The same bits alone and in calls of any size (several chunks), so that a batch
    # file and the service agree with single predictions.
    texts = test_frame["text"].tolist()[: CHUNK + 20]
    scorer = fitted_model.scorer
    together = scorer.predict_proba(texts)
    alone = np.vstack([scorer.predict_proba([text]) for text in texts])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(scorer.predict_proba(texts[5:15]), alone[5:15])


@pytest.mark.parametrize("text", list(ADVERSARIAL.values()), ids=list(ADVERSARIAL))
def test_equals_pipeline_on_adversarial_text(fitted_model: Model, text: str) -> None:
    expected = fitted_model.pipeline.predict_proba([text])
    for batch in ([text], [text, "нет воды"]):
        got = fitted_model.scorer.predict_proba(batch)[:1]
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_model_predict_uses_scorer(fitted_model: Model, test_frame: pd.DataFrame) -> None:
    texts = ["", *test_frame["text"].tolist()[:50]]
    order = [fitted_model.labels.index(name) for name in LABELS]
    expected = fitted_model.pipeline.predict_proba(texts[1:])[:, order]
    got = fitted_model.predict_proba(texts)
    np.testing.assert_allclose(got[0], 0.2)
    np.testing.assert_allclose(got[1:], expected, rtol=0, atol=TOLERANCE)
    assert [p.label for p in fitted_model.predict(texts[1:])] == [
        LABELS[i] for i in expected.argmax(axis=1)
    ]


@pytest.mark.parametrize(
    "params",
    [{"embeddings": 0.0}, {"lemmatize": False}, {"lemmatize": False, "embeddings": 0.0}],
    ids=["no embeddings", "no lemmas", "plain"],
)
def test_variants_of_build_pipeline_are_compiled(tiny_train: pd.DataFrame, params: dict) -> None:
    pipeline = _fit(build_pipeline(min_df=1, **params), tiny_train)
    scorer = compile_pipeline(pipeline)
    assert scorer is not None
    texts = [*ADVERSARIAL.values(), *tiny_train["text"].tolist()[:40]]
    expected = pipeline.predict_proba(texts)
    np.testing.assert_allclose(scorer.predict_proba(texts), expected, rtol=0, atol=TOLERANCE)


def _sgd(pipeline: Pipeline) -> Pipeline:
    pipeline.steps[-1] = ("clf", SGDClassifier(loss="log_loss", random_state=0))
    return pipeline


def _extra_step(pipeline: Pipeline) -> Pipeline:
    pipeline.steps.insert(2, ("scale", MaxAbsScaler()))
    return pipeline


def _stop_words(pipeline: Pipeline) -> Pipeline:
    pipeline.set_params(features__words__tfidf__stop_words=["и"])
    return pipeline


def _weights(pipeline: Pipeline) -> Pipeline:
    pipeline.set_params(features__transformer_weights={"words": 2.0})
    return pipeline


def _char_analyzer(pipeline: Pipeline) -> Pipeline:
    pipeline.set_params(features__chars__analyzer="char")
    return pipeline


def _lowercase(pipeline: Pipeline) -> Pipeline:
    pipeline.set_params(features__chars__lowercase=True)
    return pipeline


def _binary(pipeline: Pipeline) -> Pipeline:
    pipeline.set_params(features__words__tfidf__binary=True)
    return pipeline


UNSUPPORTED = {
    "SGDClassifier": _sgd,
    "extra step": _extra_step,
    "stop words": _stop_words,
    "transformer weights": _weights,
    "char analyzer": _char_analyzer,
    "lowercasing": _lowercase,
    "binary tf": _binary,
}


@pytest.mark.parametrize("change", list(UNSUPPORTED.values()), ids=list(UNSUPPORTED))
def test_unsupported_structure_falls_back(tiny_train: pd.DataFrame, change) -> None:
    pipeline = _fit(change(build_pipeline(min_df=1, embeddings=0.0)), tiny_train)
    model = Model(pipeline=pipeline)
    assert model.scorer is None
    texts = tiny_train["text"].tolist()[:20]
    order = [model.labels.index(name) for name in LABELS]
    np.testing.assert_array_equal(
        model.predict_proba(texts), pipeline.predict_proba(texts)[:, order]
    )


def test_unfitted_pipeline_has_no_scorer() -> None:
    assert Model(pipeline=build_pipeline()).scorer is None


def test_probe_mismatch_falls_back(fitted_model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_module, "PROBE_TOLERANCE", -1.0)
    assert compile_pipeline(fitted_model.pipeline) is None


def test_refit_rebuilds_scorer(tiny_train: pd.DataFrame) -> None:
    pipeline = _fit(build_pipeline(min_df=1, embeddings=0.0), tiny_train)
    model = Model(pipeline=pipeline)
    first = model.scorer
    assert first is not None and model.scorer is first
    _fit(pipeline, tiny_train.iloc[::2])
    assert model.scorer is not first
    texts = tiny_train["text"].tolist()[:20]
    np.testing.assert_allclose(
        model.scorer.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=TOLERANCE
    )
    model.pipeline = clone(pipeline)  # unfitted: back to the pipeline, which says so
    assert model.scorer is None


def test_in_place_change_of_coefficients_is_scored(tiny_train: pd.DataFrame) -> None:
    pipeline = _fit(build_pipeline(min_df=1, embeddings=0.0), tiny_train)
    model = Model(pipeline=pipeline)
    assert model.scorer is not None
    pipeline.named_steps["clf"].coef_ *= 2.0
    texts = tiny_train["text"].tolist()[:10]
    np.testing.assert_allclose(
        model.scorer.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=TOLERANCE
    )


@pytest.mark.parametrize("order", ["C", "F"])
def test_coefficients_in_either_memory_order(tiny_train: pd.DataFrame, order: str) -> None:
    # scikit-learn leaves coef_ in Fortran order; the scorer reads either.
    pipeline = _fit(build_pipeline(min_df=1), tiny_train)
    clf = pipeline.named_steps["clf"]
    clf.coef_ = np.asarray(clf.coef_, order=order)
    scorer = compile_pipeline(pipeline)
    texts = tiny_train["text"].tolist()[:30]
    np.testing.assert_allclose(
        scorer.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=TOLERANCE
    )


def test_scorer_is_not_pickled(fitted_model: Model) -> None:
    assert fitted_model.scorer is not None
    state = pickle.dumps(fitted_model)
    assert b"CompiledScorer" not in state
    restored = pickle.loads(state)
    assert restored.scorer is not None
    texts = ["нет горячей воды", "яма на дороге"]
    np.testing.assert_allclose(
        restored.predict_proba(texts), fitted_model.predict_proba(texts), rtol=0, atol=TOLERANCE
    )


@pytest.mark.parametrize("n", [1, 64, 65, CHUNK + 1], ids=str)
def test_calls_of_any_size_use_the_scorer(
    fitted_model: Model, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    calls: list[int] = []
    original = CompiledScorer.predict_proba

    def counting(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(CompiledScorer, "predict_proba", counting)
    texts = test_frame["text"].tolist()[:n]
    got = fitted_model.predict_proba(texts)
    assert calls == [n]
    order = [fitted_model.labels.index(name) for name in LABELS]
    expected = fitted_model.pipeline.predict_proba(texts)[:, order]
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_embedding_rows_are_the_bits_of_vector(
    fitted_model: Model, test_frame: pd.DataFrame
) -> None:
    from classifier.compiled import _Batch, _EmbeddingChannel
    from classifier.normalize import normalize_text

    scorer = fitted_model.scorer
    (index,) = [i for i, c in enumerate(scorer.channels) if isinstance(c, _EmbeddingChannel)]
    channel = scorer.channels[index]
    texts = [normalize_text(t) for t in test_frame["text"].tolist()[:300]]
    texts += [normalize_text(t) for t in ADVERSARIAL.values()]
    words = [text.split() for text in texts]
    lookup = scorer.table.lookup([w for text in words for w in text])
    row_of = np.repeat(np.arange(len(texts)), [len(w) for w in words])
    rows, vectors = channel.rows(_Batch(words, row_of, lookup.ids), lookup.columns[index])
    expected = np.vstack([channel.features.vector(text) for text in texts])
    assert not expected[np.setdiff1d(np.arange(len(texts)), rows)].any()
    np.testing.assert_array_equal(vectors, expected[rows])


def _override_lemma(monkeypatch: pytest.MonkeyPatch) -> None:
    # A lemma of two tokens: the word channel then reads such texts whole.
    from classifier import morph

    monkeypatch.setitem(morph.LEMMA_OVERRIDES, "яма", "яма дорога")


@pytest.mark.parametrize(
    "setup",
    ["lemma of two tokens", "lemma step normalizes again", "word trigrams"],
)
def test_word_channels_the_table_cannot_serve(
    tiny_train: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, setup: str
) -> None:
    params = {"word_ngrams": (1, 3)} if setup == "word trigrams" else {}
    pipeline = build_pipeline(min_df=1, embeddings=0.0, **params)
    if setup == "lemma of two tokens":
        _override_lemma(monkeypatch)
    if setup == "lemma step normalizes again":
        pipeline.set_params(features__words__lemmas__normalize=True)
    _fit(pipeline, tiny_train)
    scorer = compile_pipeline(pipeline)
    assert scorer is not None
    texts = ["яма на дороге, яма во дворе", *tiny_train["text"].tolist()[:40]]
    np.testing.assert_allclose(
        scorer.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=TOLERANCE
    )
