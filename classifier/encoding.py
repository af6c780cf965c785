"""Deciding the text encoding of a file: UTF-8 (checked on the whole file) or a Russian 8-bit one."""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Tried when the file is not valid UTF-8, in this order on a tie.
CANDIDATES: tuple[str, ...] = ("cp1251", "koi8_r", "cp866")
BLOCK = 1 << 20

# Letter frequencies of Russian prose (per letter, lowercase).
_FREQUENCIES = {
    "о": 0.1097, "е": 0.0845, "а": 0.0801, "и": 0.0735, "н": 0.0670, "т": 0.0626,
    "с": 0.0547, "р": 0.0473, "в": 0.0454, "л": 0.0440, "к": 0.0349, "м": 0.0321,
    "д": 0.0298, "п": 0.0281, "у": 0.0262, "я": 0.0201, "ы": 0.0190, "ь": 0.0174,
    "г": 0.0170, "з": 0.0165, "б": 0.0159, "ч": 0.0144, "й": 0.0121, "х": 0.0097,
    "ж": 0.0094, "ш": 0.0073, "ю": 0.0064, "ц": 0.0048, "щ": 0.0036, "э": 0.0032,
    "ф": 0.0026, "ъ": 0.0004, "ё": 0.0004,
}  # fmt: skip
# Capitals are rarer than small letters in running text; typical non-ASCII punctuation.
_CAPITAL = 0.15
_PUNCTUATION = set("«»—–№…“”„’‘\xa0")
_PUNCTUATION_P = 0.002
_OTHER_P = 1e-6
_UNDEFINED_P = 1e-12
# The mean log-probability above which decoded bytes read as Russian: letters in
# Russian proportions score about -3.3, mojibake of other text below -7.
PLAUSIBLE = -5.0
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _byte_log_p(encoding: str) -> np.ndarray:
    """Log-probability of each byte 0x80–0xFF as Russian text in `encoding`."""
    out = np.empty(128)
    for i in range(128):
        try:
            char = bytes([0x80 + i]).decode(encoding)
        except UnicodeDecodeError:
            out[i] = math.log(_UNDEFINED_P)
            continue
        lower = char.lower()
        if lower in _FREQUENCIES:
            p = _FREQUENCIES[lower] * (1.0 if char == lower else _CAPITAL)
        elif char in _PUNCTUATION:
            p = _PUNCTUATION_P
        else:
            p = _OTHER_P
        out[i] = math.log(p)
    return out


_LOG_P = {name: _byte_log_p(name) for name in CANDIDATES}


@dataclass(frozen=True)
class Utf8Check:
    """Whether a file is valid UTF-8, and whether its text has non-ASCII and Cyrillic letters."""

    valid: bool
    non_ascii: bool = False
    cyrillic: bool = False


def check_utf8(path: Path) -> Utf8Check:
    """Decode the whole file as UTF-8 in blocks (never all at once) and say what it holds."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = cyrillic = False
    with path.open("rb") as f:
        try:
            while block := f.read(BLOCK):
                text = decoder.decode(block)
                if not cyrillic and not text.isascii():
                    non_ascii = True
                    cyrillic = _CYRILLIC.search(text) is not None
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return Utf8Check(valid=False)
    return Utf8Check(valid=True, non_ascii=non_ascii, cyrillic=cyrillic)


def high_byte_counts(path: Path) -> np.ndarray:
    """Return how often each byte 0x80–0xFF occurs in the whole file."""
    counts = np.zeros(256, dtype=np.int64)
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            counts += np.bincount(np.frombuffer(block, dtype=np.uint8), minlength=256)
    return counts[128:]


def russian_scores(counts: np.ndarray) -> dict[str, float]:
    """Return the mean log-probability of the non-ASCII bytes as Russian text, per candidate."""
    total = max(int(counts.sum()), 1)
    return {name: float(counts @ log_p) / total for name, log_p in _LOG_P.items()}


def detect_encoding(path: Path | str) -> str:
    """Return the encoding to read `path` with: 'utf-8-sig', 'utf-16', or the likeliest of CANDIDATES.

    UTF-8 is decided on the whole file, so a late non-ASCII character counts; valid
    UTF-8 with no Cyrillic letter is taken only if no candidate reads as Russian. Otherwise
    each candidate is scored by how plausible the decoded letters are as Russian
    (letter frequencies, small letters more common than capitals), over every byte of
    the file: this tells cp1251, KOI8-R and cp866 apart even on a few words.
    """
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(
        codecs.BOM_UTF32_LE
    ):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    utf8 = check_utf8(path)
    if utf8.valid and (utf8.cyrillic or not utf8.non_ascii):
        return "utf-8-sig"
    scores = russian_scores(high_byte_counts(path))
    best = max(CANDIDATES, key=lambda name: scores[name])
    # Valid UTF-8 without a Cyrillic letter may be a short 8-bit file by chance
    # («яма» in cp866 is a valid UTF-8 character); only plausible Russian overrides it.
    if utf8.valid and scores[best] < PLAUSIBLE:
        return "utf-8-sig"
    return best
