"""Quality gates of the labelled corpus in data/."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from classifier import LABELS
from classifier.dedup import near_duplicates
from classifier.register import is_follow_up, is_formal

DATA = Path(__file__).resolve().parent.parent / "data"
STYLES = {
    "vk_comment",
    "tg_comment",
    "ok_comment",
    "direct_message",
    "formal_letter",
    "portal",
    "chat",
}
# The boundary table of the labelling standard: every row needs worked examples in the data.
BOUNDARY_CASES = {
    "snow not cleared in a yard / icicles on a roof": "housing",
    "snow not cleared on a street or road": "roads",
    "broken sidewalk": "roads",
    "broken playground, dark yard, no street light in a yard": "housing",
    "garbage truck did not come, containers full": "waste",
    "household garbage dumped in a forest or by a road": "waste",
    "smoke from a burning landfill": "ecology",
    "black smoke from a boiler-house chimney": "ecology",
    "boiler house gives no heat, cold radiators": "housing",
    "no water in the flat / rusty tap water": "housing",
    "river polluted by sewage": "ecology",
    "trees cut down in a park": "ecology",
    "new park or square being built or repaired": "housing",
    "bus route cancelled": "roads",
    "stray dogs": "other",
    "bill for garbage removal too high": "waste",
    "bill for heating too high": "housing",
    "grass not mowed, weeds, hogweed in a street or yard": "housing",
    "fallen tree, stumps or cut branches left lying; dangerous tree": "housing",
    "healthy trees or a forest cut down": "ecology",
    "missing or broken manhole cover, even on a road or sidewalk": "housing",
    "clogged storm drain, street flooded after rain": "housing",
    "smell of gas or sewage from a broken pipe": "housing",
    "smell from a farm, plant or treatment works": "ecology",
    "no lighting on a road or bridge": "housing",
    "market or garage burns plastic, black smoke": "ecology",
    "pothole by a school or a hospital": "roads",
    "no heating in a school or kindergarten building": "housing",
    "street trading, prices, shop hygiene": "other",
    "unfinished or unfenced construction site": "other",
    "COVID certificates, vaccination booking, medicines": "other",
    "«I complained and nobody answered» with no topic named": "other",
}


@pytest.fixture(scope="module")
def corpus(train_frame: pd.DataFrame, test_frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [train_frame.assign(split="train"), test_frame.assign(split="test")], ignore_index=True
    )


@pytest.mark.parametrize("name", ["train.csv", "test.csv"])
def test_columns(name: str) -> None:
    frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["id", "text", "label", "style", "source"]


def test_labels_styles_and_ids(corpus: pd.DataFrame) -> None:
    assert set(corpus["label"]) == set(LABELS)
    assert set(corpus["style"]) <= STYLES
    assert corpus["id"].is_unique
    assert (corpus["text"].str.strip() != "").all()


def test_sizes(train_frame: pd.DataFrame, test_frame: pd.DataFrame) -> None:
    assert len(train_frame) >= 10_500
    assert len(test_frame) >= 2_200
    counts = train_frame["label"].value_counts()
    for label in ("waste", "roads", "ecology", "other"):
        assert counts[label] >= 1_200, label
    assert counts.idxmax() == "housing"


def test_test_set_written_in_its_own_batches(
    train_frame: pd.DataFrame, test_frame: pd.DataFrame
) -> None:
    assert not set(train_frame["source"]) & set(test_frame["source"])


def test_lengths(corpus: pd.DataFrame) -> None:
    words = corpus["text"].str.split().str.len()
    assert words.between(1, 250).all()
    assert 0.25 <= (words < 15).mean() <= 0.45


# The length mix of real portal appeals, which the training corpus must cover.
@pytest.mark.parametrize(
    "band, low, high, minimum",
    [
        ("title-like", 1, 5, 0.05),
        ("long", 40, 10_000, 0.28),
        ("very long", 101, 10_000, 0.03),
    ],
)
def test_training_length_mix(
    train_frame: pd.DataFrame, band: str, low: int, high: int, minimum: float
) -> None:
    words = train_frame["text"].str.split().str.len()
    assert words.between(low, high).mean() >= minimum, band


@pytest.mark.parametrize("marker", [is_formal, is_follow_up])
def test_register_in_every_class(train_frame: pd.DataFrame, marker) -> None:
    counts = train_frame[train_frame["text"].map(marker)]["label"].value_counts()
    for label in LABELS:
        assert counts.get(label, 0) >= 20, (marker.__name__, label)


def test_social_network_styles_stay_the_majority(train_frame: pd.DataFrame) -> None:
    social = {"vk_comment", "tg_comment", "ok_comment", "direct_message", "chat"}
    assert train_frame["style"].isin(social).mean() > 0.5


def test_trigram_diversity_per_batch(corpus: pd.DataFrame) -> None:
    """A template shows as word 3-grams repeated across a batch: few distinct, some everywhere."""
    for source, group in corpus.groupby("source"):
        grams, texts_with = Counter(), Counter()
        for text in group["text"]:
            words = re.findall(r"\w+", text.lower().replace("ё", "е"))
            found = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
            grams.update(found)
            texts_with.update(set(found))
        distinct = len(grams) / max(sum(grams.values()), 1)
        commonest, n = texts_with.most_common(1)[0]
        assert distinct >= 0.9, (source, distinct)
        assert n / len(group) <= 0.08, (source, " ".join(commonest), n)


def test_no_exact_duplicates(corpus: pd.DataFrame) -> None:
    normalized = corpus["text"].map(lambda t: re.sub(r"\W+", " ", t.lower()).strip())
    assert normalized.is_unique


def test_no_near_duplicates_within_or_across_splits(corpus: pd.DataFrame) -> None:
    pairs = near_duplicates(corpus["text"].tolist(), threshold=0.7)
    shown = [(corpus["id"][p.first], corpus["id"][p.second], round(p.jaccard, 2)) for p in pairs]
    assert not pairs, shown[:10]


def test_every_boundary_case_has_examples(corpus: pd.DataFrame) -> None:
    cases = pd.read_csv(DATA / "boundary_cases.csv", dtype=str, keep_default_na=False)
    assert set(cases["case"]) == set(BOUNDARY_CASES)
    labels = corpus.set_index("id")["label"]
    for case, group in cases.groupby("case"):
        assert len(group) >= 3, case
        assert group["id"].isin(labels.index).all(), case
        assert (labels[group["id"]] == BOUNDARY_CASES[case]).all(), case
