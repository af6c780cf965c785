"""Masking personal data: names, phones, e-mails, addresses down to the flat, document numbers.

`mask_pii` replaces each found span with a placeholder and keeps every other word:
``[ФИО]`` (natasha's NER, PER spans), ``[ТЕЛЕФОН]``, ``[EMAIL]``, ``[АДРЕС]`` (street
forms such as «ул.», «проспект», «пер.» with a name, then house, building and flat),
``[ДОКУМЕНТ]`` (passport, СНИЛС, ИНН, bank card, personal account numbers; the word
before the number, e.g. «ИНН», is kept). The NER model (natasha: Segmenter,
NewsEmbedding, NewsNERTagger) is loaded on the first call that needs names, never at
import, and never stored in a model file.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

PLACEHOLDERS = {
    "name": "[ФИО]",
    "phone": "[ТЕЛЕФОН]",
    "email": "[EMAIL]",
    "address": "[АДРЕС]",
    "document": "[ДОКУМЕНТ]",
}
# On overlapping spans the earlier kind here wins.
PRIORITY = ("document", "email", "phone", "address", "name")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+7|8|7)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"
    r"|(?<![\w-])\d{3}-\d{2}-\d{2}(?![\d-])"
    r"|(?<![\w-])\d-\d{2}-\d{2}-\d{2}(?![\d-])"
)
# The number only: the word that names the document stays.
_DOCUMENT = re.compile(
    r"(?i:паспорт\w*(?:\s+(?:серии|серия|сер\.))?[\s:№]*)(?P<a>\d{2}\s?\d{2}(?:\s*(?:номер|№|N))?\s*\d{6})(?!\d)"
    r"|(?<!\d)(?P<b>\d{3}-\d{3}-\d{3}[\s-]\d{2})(?!\d)"
    r"|(?i:(?:ИНН|СНИЛС|ОГРН|ОГРНИП)(?:\s+[а-яё]+){0,2}[\s:№]*)(?P<c>\d{10,15}|\d{3}-\d{3}-\d{3}\s?\d{2})(?!\d)"
    r"|(?<![\d-])(?P<d>\d{4}[\s-]\d{4}[\s-]\d{4}[\s-]\d{4}(?:[\s-]\d{2,3})?|\d{16,19})(?![\d-])"
    r"|(?i:(?:лицев\w*\s+сч[её]т\w*|л/с|полис\w*(?:\s+ОМС)?|свидетельств\w*)[\s:№]*)(?P<e>\d[\d\s-]{5,20}\d)"
    r"|(?<!\d)(?P<f>\d{4}\s\d{6})(?!\d)"
)
_TYPE_FULL = (
    r"(?:улиц[аеуыи]|улицей|проспект[аеу]?|переул(?:ок|ке|ка)|бульвар[аеу]?|шоссе|"
    r"набережн(?:ая|ой|ую)|площад(?:ь|и)|проезд[аеу]?|аллея|аллее|тупик[аеу]?|"
    r"микрорайон[аеу]?|линия|линии)"
)
_TYPE_SHORT = r"(?:ул\.?|пр-т|пр-кт|просп\.|пр\.|пер\.|б-р|бул\.|ш\.|наб\.|пл\.|мкрн?\.?|мкр-н)"
_NAME = (
    r"(?:\d{1,2}-?(?:я|й|ая|ий|ой|го)?\s+)?[А-ЯЁ][а-яё]+(?:[- ][А-ЯЁ][а-яё]+)?"
    r"(?:\s+(?:канала|реки|острова|линии))?"
)
# A name before the street type is an adjective: «Невский проспект», «Садовой улице».
_ADJECTIVE = r"(?:\d{1,2}-?(?:я|й|ая|ий|ой)?\s+)?[А-ЯЁ][а-яё]+(?:ий|ый|ой|ая|ое|ого|ом|ую|ей)"
_HOUSE = (
    r"(?:,?\s*(?:д\.|дом[аеу]?|д)\s*№?\s*\d+(?:[а-яА-Я](?!\d))?(?:/\d+)?"
    r"|,?\s*\d+(?:[а-яА-Я](?!\d))?(?:/\d+)?(?![\d.,]\d)(?![а-яё]))"
    r"(?:,?\s*(?:к\.?|корп\.?|корпус|стр\.?|строение|лит\.?|литера)\s*[\dА-Я]+)?"
)
_FLAT = r"(?:,?\s*(?:кв\.|квартир[аеуы]|кв|ком\.|комната)\s*№?\s*\d+)"
_CITY = r"(?:(?:г\.|город)\s*[А-ЯЁ][\w-]+,?\s*)?"
_ADDRESS = re.compile(
    rf"{_CITY}(?:(?<![\w-])(?i:{_TYPE_SHORT}|{_TYPE_FULL})\s*{_NAME}"
    rf"|{_ADJECTIVE}\s+(?i:{_TYPE_FULL}|{_TYPE_SHORT}))(?![а-яё])(?:{_HOUSE}{_FLAT}?)?"
    rf"|(?<![\w-])(?:д\.|дом[аеу]?)\s*\d+[а-яА-Я]?(?:/\d+)?(?:,?\s*(?:к\.|корп\.?)\s*\d+)?{_FLAT}"
)


@dataclass(frozen=True)
class PiiSpan:
    """A piece of personal data in a text: its kind and character offsets."""

    kind: str
    start: int
    end: int
    text: str


_lock = threading.Lock()


@functools.cache
def _ner():
    """Return natasha's segmenter and NER tagger, loaded once per process on first use."""
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    with _lock:
        return Segmenter(), NewsNERTagger(NewsEmbedding())


def _pattern_spans(text: str) -> list[PiiSpan]:
    spans = []
    if "@" in text:
        spans += [PiiSpan("email", *m.span(), m.group()) for m in _EMAIL.finditer(text)]
    if any(c.isdigit() for c in text):
        for m in _DOCUMENT.finditer(text):
            group = m.lastgroup
            spans.append(PiiSpan("document", m.start(group), m.end(group), m.group(group)))
        spans += [PiiSpan("phone", *m.span(), m.group()) for m in _PHONE.finditer(text)]
    spans += [
        PiiSpan("address", *m.span(), m.group().rstrip(", ")) for m in _ADDRESS.finditer(text)
    ]
    return [PiiSpan(s.kind, s.start, s.start + len(s.text), s.text) for s in spans]


def _name_spans(text: str) -> list[PiiSpan]:
    from natasha import Doc

    segmenter, tagger = _ner()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return [PiiSpan("name", s.start, s.stop, s.text) for s in doc.spans if s.type == "PER"]


def find_pii(text: str, *, names: bool = True) -> list[PiiSpan]:
    """Return the personal data spans of `text`, in order, without overlaps."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    spans = _pattern_spans(text)
    if names and text.strip():
        spans += _name_spans(text)
    spans.sort(key=lambda s: (PRIORITY.index(s.kind), s.start, -(s.end - s.start)))
    kept: list[PiiSpan] = []
    for span in spans:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    merged: list[PiiSpan] = []
    for span in sorted(kept, key=lambda s: s.start):
        last = merged[-1] if merged else None
        # NER may split one full name in two («Смирнова Ольга» «Викторовна»): one placeholder.
        if last and last.kind == span.kind == "name" and not text[last.end : span.start].strip():
            merged[-1] = PiiSpan("name", last.start, span.end, text[last.start : span.end])
        else:
            merged.append(span)
    return merged


def mask_pii(text: str, *, names: bool = True) -> str:
    """Return `text` with personal data replaced by placeholders (see the module docs)."""
    out, last = [], 0
    for span in find_pii(text, names=names):
        out += [text[last : span.start], PLACEHOLDERS[span.kind]]
        last = span.end
    out.append(text[last:])
    return "".join(out)


def mask_pii_many(texts: Sequence[str], *, names: bool = True) -> list[str]:
    """Return `mask_pii` of each text, in order."""
    return [mask_pii(text, names=names) for text in texts]
