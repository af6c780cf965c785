"""Urgency: danger to life, health or property that cannot wait a day, from a lemma lexicon.

Each `Signal` is a cue lemma with, optionally, lemmas that must stand within a few
words of it in the same sentence («пахнет газом», «открытый люк», «оборванные
провода лежат»), and optionally context lemmas anywhere in the text (frost for a cold
radiator). A match is dropped when it is negated or reported as resolved:

* a negator («не», «нет», «ни», «без») up to two words before the matched words or
  between them, or «нет» up to two words after («запаха газа больше нет»);
  signals about something missing (no heating) ignore negators, since «нет
  отопления» is the danger itself;
* a word of `PAST` («на прошлой неделе») or of the signal's ``unless`` set («горит
  свет») near the matched words;
* a past-tense or short-participle form of a resolution verb («устранили»,
  «починили», «закрыт»), or thanks («спасибо»), in the same or the next sentence.
  Requests («прошу устранить») are not resolutions.

Lemmas come from the project's lemmatizer (`classifier.morph`) over normalized words
(`classifier.normalize`). The lexicon below is the documentation of what counts; its
precision and recall on tests/data/urgency.csv are in the README (Triage).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from classifier.morph import lemma_of, morph_analyzer
from classifier.normalize import normalize_text

NEGATORS = frozenset({"не", "нет", "ни", "без"})
# A danger in the past is no emergency now: «на прошлой неделе прорвало трубу».
PAST = frozenset({"прошлый", "позапрошлый", "прошедший"})
RESOLVED = frozenset(
    {
        "устранить",
        "починить",
        "подключить",
        "восстановить",
        "отремонтировать",
        "ликвидировать",
        "закрыть",
        "убрать",
        "заменить",
        "исправить",
        "потушить",
        "дать",
        "включить",
        "перекрыть",
        "наладить",
        "демонтировать",
        "спилить",
        "заварить",
    }
)
THANKS = frozenset({"спасибо", "благодарить", "благодарность", "благодарный"})


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True)
class Signal:
    """One kind of danger: a cue lemma, lemmas needed near it, context needed in the text."""

    name: str
    cue: frozenset[str]
    near: tuple[frozenset[str], ...] = ()
    context: frozenset[str] = frozenset()
    window: int = 4
    negatable: bool = True
    # Lemmas within the window that make the match something else («горит свет»).
    unless: frozenset[str] = frozenset()


SIGNALS: tuple[Signal, ...] = (
    Signal(
        "gas",
        _set("газ газовый"),
        (_set("запах пахнуть вонять вонь утечка шипеть травить угарный отравиться отравление"),),
    ),
    Signal(
        "no_heating_in_frost",
        _set("отопление батарея радиатор отопительный"),
        (_set("нет отключить отключение холодный ледяной отсутствовать остыть греть"),),
        context=_set("мороз морозный морозы минус градус замерзать мерзнуть холод холодно"),
        window=5,
        negatable=False,
    ),
    Signal("freezing", _set("замерзать мерзнуть околеть")),
    Signal(
        "open_manhole",
        _set("люк колодец"),
        (
            _set(
                "открытый открыть без нет отсутствовать провалиться сдвинуть сорвать "
                "украсть сломать сломанный разбитый разбить открыто"
            ),
        ),
    ),
    Signal(
        "live_wires",
        _set("провод кабель электропровод проводка"),
        (
            _set(
                "оборвать оборванный обрыв лежать земля искрить оголить оголенный упасть "
                "гореть замыкание дымиться искра ток болтаться"
            ),
        ),
    ),
    Signal(
        "sparking",
        _set("щиток электрощиток щит розетка счетчик трансформатор подстанция"),
        (_set("искрить гореть дымиться дым плавиться трещать искра замыкание загореться"),),
        window=5,
    ),
    Signal("electric_shock", _set("ток"), (_set("бить ударить дернуть бьет"),)),
    Signal(
        "fire",
        _set("пожар возгорание пламя задымление поджог"),
        unless=_set("старый после бывший обгоревший сгоревший"),
    ),
    Signal(
        "burning",
        _set("гореть загореться дымиться дым гарь тлеть горелый"),
        (
            _set(
                "дом сарай мусор контейнер трава подвал квартира подъезд лес гараж машина "
                "автомобиль чердак балкон мусоропровод пахнуть запах валить этаж крыша"
            ),
        ),
        unless=_set("свет лампа лампочка фонарь светофор огонек индикатор красный зеленый"),
    ),
    Signal("grass_fire", _set("пал"), (_set("трава сухостой сухой"),)),
    Signal(
        "flooding_from_above",
        _set(
            "затопить заливать залить топить потоп хлестать протечка течь капать протекать "
            "литься лить"
        ),
        (_set("сверху потолок сосед верхний крыша кровля проводка щиток люстра подвал лестница"),),
        window=5,
        unless=_set("водосток водосточный отмостка"),
    ),
    Signal(
        "burst_pipe",
        _set("прорвать прорыв лопнуть порыв"),
        (_set("труба стояк батарея отопление водопровод кран трубопровод"),),
    ),
    Signal("boiling_water", _set("кипяток"), (_set("хлестать течь заливать бить фонтан литься"),)),
    Signal(
        "child_at_risk",
        _set("ребенок малыш школьник младенец дочь сын"),
        (
            _set(
                "упасть провалиться застрять опасность угроза травма травмироваться запереть "
                "тонуть выпасть покусать порезаться опасный угрожать пострадать"
            ),
        ),
        window=5,
    ),
    Signal("stuck_in_lift", _set("лифт"), (_set("застрять заперт сорваться оборваться рухнуть"),)),
    Signal("collapse", _set("обрушение обрушиться рухнуть обвалиться обвал обрушаться")),
    Signal(
        "falling_ice",
        _set("сосулька наледь глыба лед снег"),
        (_set("упасть падать свисать нависать огромный сорваться сходить сход"),),
    ),
    Signal(
        "falling_tree",
        _set("дерево ветка тополь береза сук ствол"),
        (_set("упасть падать рухнуть накрениться наклониться аварийный сломаться повиснуть"),),
    ),
    Signal(
        "sinkhole",
        _set("провал провалиться обвалиться"),
        (_set("асфальт грунт тротуар дорога земля"),),
    ),
    Signal(
        "dog_attack", _set("собака пес"), (_set("напасть укусить покусать бросаться кидаться"),)
    ),
)

_SENTENCE = re.compile(r"[.!?;\n]+")
# Negators count only within the clause of the matched words: «открыт колодец, ограждения нет».
_CLAUSE = re.compile(r"[,:()\u2013\u2014]+")


@dataclass(frozen=True)
class UrgencySignal:
    """A danger signal found in a text: the signal's name and the words that matched."""

    signal: str
    words: str

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {"signal": self.signal, "words": self.words}


@dataclass(frozen=True)
class _Word:
    form: str
    lemma: str
    # The project's lemma and every other normal form pymorphy3 offers («холодные»:
    # «холодный» as well as «холодное»), so a wrong first parse does not hide a signal.
    lemmas: frozenset[str]
    resolves: bool


@functools.lru_cache(maxsize=100_000)
def _word(form: str) -> _Word:
    """Return the lemmas of a normalized word form and whether it reports a resolution."""
    analyzer = morph_analyzer()
    lemma = lemma_of(form, analyzer) or form
    parses = analyzer.parse(form)
    lemmas = frozenset({lemma, *(p.normal_form.replace("ё", "е") for p in parses)})
    resolves = bool(lemmas & THANKS)
    if lemma in RESOLVED:
        tag = parses[0].tag
        resolves = tag.tense == "past" or tag.POS == "PRTS"
    return _Word(form, lemma, lemmas, resolves)


def _sentences(text: str) -> list[tuple[list[_Word], list[int]]]:
    """Return each sentence's words and, per word, the number of its clause."""
    marked = _CLAUSE.sub(" _clause_ ", _SENTENCE.sub(" _stop_ ", text))
    out: list[tuple[list[_Word], list[int]]] = []
    words: list[_Word] = []
    clauses: list[int] = []
    clause = 0
    for form in (*normalize_text(marked).split(), "_stop_"):
        if form == "_stop_":
            if words:
                out.append((words, clauses))
            words, clauses, clause = [], [], 0
        elif form == "_clause_":
            clause += 1
        elif not form.startswith("_"):
            words.append(_word(form))
            clauses.append(clause)
    return out


def _match(signal: Signal, words: list[_Word], at: int) -> list[int] | None:
    """Return the matched positions of `signal` with its cue at `at`, or None."""
    positions = [at]
    for group in signal.near:
        lo, hi = max(0, at - signal.window), min(len(words), at + signal.window + 1)
        found = [i for i in range(lo, hi) if i != at and words[i].lemmas & group]
        if not found:
            return None
        positions.append(min(found, key=lambda i: abs(i - at)))
    lo, hi = max(0, min(positions) - signal.window), max(positions) + signal.window + 1
    if any(w.lemmas & signal.unless or w.lemmas & PAST for w in words[lo:hi]):
        return None
    return sorted(positions)


def _negated(words: list[_Word], clause_of: list[int], positions: list[int]) -> bool:
    first, last = positions[0], positions[-1]
    clauses = {clause_of[i] for i in positions}
    before = range(max(0, first - 2), first)
    inside = (i for i in range(first, last) if i not in positions)
    if any(words[i].lemma in NEGATORS and clause_of[i] in clauses for i in (*before, *inside)):
        return True
    after = range(last + 1, min(len(words), last + 3))
    return any(words[i].lemma == "нет" and clause_of[i] in clauses for i in after)


def urgency_signals(text: str) -> list[UrgencySignal]:
    """Return the danger signals of `text` that are neither negated nor resolved."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    sentences = _sentences(text)
    lemmas = {lemma for words, _ in sentences for w in words for lemma in w.lemmas}
    found: list[UrgencySignal] = []
    done: set[str] = set()
    for s, (words, clause_of) in enumerate(sentences):
        cues = [(at, signal) for at, w in enumerate(words) for signal in _cued(w.lemmas)]
        if not cues:
            continue
        resolved = any(w.resolves for w in words) or (
            s + 1 < len(sentences) and any(w.resolves for w in sentences[s + 1][0])
        )
        if resolved:
            continue
        for at, signal in cues:
            if signal.name in done or (signal.context and not signal.context & lemmas):
                continue
            positions = _match(signal, words, at)
            if positions is None or (signal.negatable and _negated(words, clause_of, positions)):
                continue
            span = " ".join(w.form for w in words[positions[0] : positions[-1] + 1])
            found.append(UrgencySignal(signal.name, span))
            done.add(signal.name)
    order = {signal.name: i for i, signal in enumerate(SIGNALS)}
    return sorted(found, key=lambda f: order[f.signal])


_BY_CUE: dict[str, tuple[Signal, ...]] = {}
for _signal in SIGNALS:
    for _lemma in _signal.cue:
        _BY_CUE[_lemma] = (*_BY_CUE.get(_lemma, ()), _signal)


@functools.lru_cache(maxsize=100_000)
def _cued(lemmas: frozenset[str]) -> tuple[Signal, ...]:
    """Return the signals whose cue is one of `lemmas`, in `SIGNALS` order."""
    found = {signal for lemma in lemmas for signal in _BY_CUE.get(lemma, ())}
    return tuple(signal for signal in SIGNALS if signal in found)


def is_urgent(text: str) -> bool:
    """Return True when `text` reports a danger that cannot wait a day (see `SIGNALS`)."""
    return bool(urgency_signals(text))
