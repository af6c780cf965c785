"""Speed of predict(): throughput on 10,000 appeals and single-text latency.

Three pipelines are trained on data/train.csv and timed side by side in one run:
  ours      the shipped design (pymorphy3 lemmas cached per word form);
  (a) plain the same TF-IDF + LR without lemmatization (normalized word forms) and
            without the embedding channel;
  (b) Doc   lemmas from natasha's full Doc pipeline (segmenter, morph tagger, lemmatize).

    python benchmarks/speed.py [--n 10000] [--latency-n 1000] [--doc-n 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from classifier import LemmaPreprocessor, Model, build_pipeline, normalize_text

ROOT = Path(__file__).resolve().parents[1]


class NatashaDocLemmatizer(TransformerMixin, BaseEstimator):
    """Lemmas through natasha's Doc: segment, morph-tag, lemmatize each token."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, Segmenter

        if not hasattr(self, "_tools"):
            self._tools = (Segmenter(), NewsMorphTagger(NewsEmbedding()), MorphVocab())
        segmenter, tagger, vocab = self._tools
        out = []
        for text in X:
            doc = Doc(text)
            doc.segment(segmenter)
            doc.tag_morph(tagger)
            lemmas = []
            for token in doc.tokens:
                if token.pos != "PUNCT":
                    token.lemmatize(vocab)
                    lemmas.append(token.lemma.lower().replace("ё", "е"))
            out.append(" ".join(lemmas))
        return out


def doc_pipeline() -> Pipeline:
    ours = build_pipeline()
    words = ours.named_steps["features"].transformer_list[0][1]
    words.steps[0] = ("lemmas", NatashaDocLemmatizer())
    return ours


def lemmatization_rates(texts: list[str]) -> str:
    """Texts/s of the lemmatizing step alone: ours (warm cache) against natasha's Doc."""
    normalized = [normalize_text(t) for t in texts]
    rates = {}
    for name, step, inputs in (
        ("ours", LemmaPreprocessor(normalize=False), normalized),
        ("natasha Doc", NatashaDocLemmatizer(), normalized),
    ):
        step.transform(inputs)  # warm-up: our cache holds these word forms afterwards
        start = time.perf_counter()
        step.transform(inputs)
        rates[name] = len(inputs) / (time.perf_counter() - start)
    ratio = rates["ours"] / rates["natasha Doc"]
    return f"ours {rates['ours']:.0f}, natasha Doc {rates['natasha Doc']:.0f} ({ratio:.0f}x)"


def throughput(model: Model, texts: list[str], batch: int = 1000) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        model.predict(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - start)


def latency_ms(model: Model, texts: list[str]) -> tuple[float, float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        model.predict([text])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), float(np.percentile(times, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description="predict() speed against two baselines")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency-n", type=int, default=1_000)
    parser.add_argument("--doc-n", type=int, default=2_000, help="texts timed for (b), slow")
    args = parser.parse_args()

    train = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)
    pool = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)["text"]
    rng = np.random.default_rng(0)
    texts = pool.to_numpy()[rng.integers(0, len(pool), args.n)].tolist()

    candidates = {
        "ours (pymorphy3, cached)": build_pipeline(),
        "(a) plain TF-IDF + LR": build_pipeline(lemmatize=False, embeddings=0.0),
        "(b) natasha Doc lemmas": doc_pipeline(),
    }
    rows = []
    for name, pipeline in candidates.items():
        print(f"training {name} on {len(train)} texts ...", flush=True)
        model = Model(pipeline=pipeline.fit(train["text"].tolist(), train["label"].tolist()))
        batch = texts if not name.startswith("(b)") else texts[: args.doc_n]
        model.predict(batch[:50])  # warm-up: imports, analyzer, first cache entries
        rate = throughput(model, batch)
        p50, p99 = latency_ms(model, texts[: min(args.latency_n, len(batch))])
        rows.append({"pipeline": name, "texts/s": rate, "p50 ms": p50, "p99 ms": p99})

    table = pd.DataFrame(rows).set_index("pipeline")
    lemma_rates = lemmatization_rates(texts[: args.doc_n])
    ours, plain, doc = (table.iloc[i]["texts/s"] for i in range(3))
    print()
    print("| pipeline | texts/s | p50 ms | p99 ms |\n|---|---|---|---|")
    for name, row in table.iterrows():
        print(f"| {name} | {row['texts/s']:.0f} | {row['p50 ms']:.2f} | {row['p99 ms']:.2f} |")
    print()
    print(f"ours / (b) throughput: {ours / doc:.1f}x (target >= 10x)")
    print(f"(a) / ours throughput: {plain / ours:.2f}x (target <= 1.5x)")
    print(f"ours single-text p50: {table.iloc[0]['p50 ms']:.2f} ms (target <= 2 ms)")
    print(f"lemmatization alone, texts/s: {lemma_rates}")


if __name__ == "__main__":
    main()
