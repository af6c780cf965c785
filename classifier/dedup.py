"""Finding near-duplicate texts by word-set Jaccard similarity."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class NearDuplicate:
    """Two texts (by index) whose word sets overlap at least at the threshold."""

    first: int
    second: int
    jaccard: float


def word_set(text: str) -> frozenset[str]:
    """Return the set of lowercase words of a text, ё read as е.

    >>> sorted(word_set("Ёлка, ёлка!"))
    ['елка']
    """
    return frozenset(_WORD.findall(text.lower().replace("ё", "е")))


def near_duplicates(texts: Sequence[str], *, threshold: float = 0.7) -> list[NearDuplicate]:
    """Return every pair of texts with word-set Jaccard similarity >= `threshold`.

    Prefix filtering keeps this near-linear on real corpora: two sets can only reach
    the threshold if they share a word among the rarest few of each.

    >>> near_duplicates(["нет горячей воды дом 5", "нет горячей воды дом 7", "яма"], threshold=0.6)
    [NearDuplicate(first=0, second=1, jaccard=0.6666666666666666)]
    """
    sets = [word_set(t) for t in texts]
    frequency = Counter(w for s in sets for w in s)
    ordered = [sorted(s, key=lambda w: (frequency[w], w)) for s in sets]
    index: dict[str, list[int]] = defaultdict(list)
    pairs = []
    for i, words in enumerate(ordered):
        if not words:
            continue
        prefix = len(words) - math.ceil(threshold * len(words)) + 1
        candidates = {j for w in words[:prefix] for j in index[w]}
        for j in sorted(candidates):
            a, b = sets[j], sets[i]
            if min(len(a), len(b)) < threshold * max(len(a), len(b)):
                continue
            score = len(a & b) / len(a | b)
            if score >= threshold:
                pairs.append(NearDuplicate(j, i, score))
        for w in words[:prefix]:
            index[w].append(i)
    return pairs
