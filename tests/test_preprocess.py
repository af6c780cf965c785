from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest
from sklearn.base import clone

from classifier import LemmaPreprocessor, morph

CASES = [
    ("Третий день нет горячей воды", "третий день нет горячий вода"),
    ("тел. 89123456789", "телефон _phone_"),
    ("тел 8 912 345 67 89", "телефон _phone_"),  # «тел» is never «тело»
    ("ул. Мира д. 5 кв. 7", "улица мир дом _house_ квартира _flat_"),
    ("мкр. Солнечный", "микрорайон солнечный"),
    ("р-н вокзала", "район вокзал"),
    ("г. Бийск", "город бийск"),
    ("Ямы на дорогах", "яма дорога"),  # not «ям»
    ("пал травы", "пал трава"),  # not «пасть»
    ("Ёлки во дворе спилили", "елка двор спилить"),
    ("мусoр не вывозят", "мусор не вывозить"),  # Latin o
    ("УК и ТСЖ не отвечают", "ук тсж не отвечать"),
    ("и а но же бы ли", ""),  # function words carry no topic
    ("без воды", "без вода"),
    ("", ""),
]


@pytest.fixture(scope="session")
def preprocessor() -> LemmaPreprocessor:
    return LemmaPreprocessor()


@pytest.mark.parametrize("text, lemmas", CASES)
def test_lemmas(preprocessor: LemmaPreprocessor, text: str, lemmas: str) -> None:
    assert preprocessor.transform([text]) == [lemmas]


def test_transform_keeps_order_and_length(preprocessor: LemmaPreprocessor) -> None:
    texts = [text for text, _ in CASES]
    assert preprocessor.transform(texts) == [lemmas for _, lemmas in CASES]


def test_one_megabyte_text(preprocessor: LemmaPreprocessor) -> None:
    text = "Во дворе не вывозят мусор, контейнеры переполнены. " * 20_000
    assert len(text.encode("utf-8")) > 1_000_000
    lemmas = preprocessor.transform([text])[0].split()
    assert lemmas[:5] == ["двор", "не", "вывозить", "мусор", "контейнер"]
    assert len(lemmas) == 6 * 20_000


def test_lemmas_are_cached_per_word_form(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = morph.lemma_of

    def counting(word, analyzer):
        calls.append(word)
        return real(word, analyzer)

    monkeypatch.setattr("classifier.preprocess.lemma_of", counting)
    pre = LemmaPreprocessor()
    pre.transform(["вода вода вода", "вода холодная", "холодная вода"])
    assert sorted(calls) == ["вода", "холодная"]


def test_cache_is_bounded() -> None:
    pre = LemmaPreprocessor(max_cache=3)
    assert pre.transform(["один два три четыре пять"]) == ["один два три четыре пять"]
    assert len(pre._cache) <= 3


def test_pickle_drops_analyzer_and_cache(preprocessor: LemmaPreprocessor) -> None:
    preprocessor.transform(["горячая вода"])
    assert "_morph" in preprocessor.__dict__ and preprocessor._cache
    restored = pickle.loads(pickle.dumps(preprocessor))
    assert "_morph" not in restored.__dict__ and "_cache" not in restored.__dict__
    assert len(pickle.dumps(preprocessor)) < 1_000
    assert restored.transform(["горячая вода"]) == ["горячий вода"]


def test_clone_keeps_parameters() -> None:
    pre = LemmaPreprocessor(normalize=False, max_cache=10)
    copy = clone(pre)
    assert copy.get_params() == {"normalize": False, "max_cache": 10}
    assert copy.transform(["вода"]) == ["вода"]


def test_threads_get_the_same_lemmas() -> None:
    pre = LemmaPreprocessor()
    texts = [text for text, _ in CASES] * 20
    expected = LemmaPreprocessor().transform(texts)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda t: pre.transform([t])[0], texts))
    assert results == expected
