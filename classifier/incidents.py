"""Incidents: appeals about the same problem at the same place within a time window.

Two appeals are linked when they have the same predicted category, the same place
(`classifier.places`: street and house, settlement where both name one), texts whose
TF-IDF vectors over lemmas (place words left out) have cosine >= `threshold`, and, with
dates, at most `window` apart. An incident is a connected group of linked appeals.
Candidate pairs come from blocks of one category and one street and house (or one
settlement, for appeals that name no street), compared only within the time window, so
the cost grows with the block sizes, not with the square of the number of appeals.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.errors import ConfigError, InputError
from classifier.labels import LABELS
from classifier.places import Place, compatible, extract_place

DEFAULT_WINDOW = "72h"
DEFAULT_THRESHOLD = 0.2
_UNITS = {"min": 60, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(min|m|h|d|w)\s*", re.I)
_PLACEHOLDER = re.compile(r"\b_[a-z]+_\b")
# Lemmas that name a place, not a problem; left out of the text similarity.
_PLACE_WORDS = frozenset(
    [
        "дом",
        "улица",
        "проспект",
        "переулок",
        "бульвар",
        "шоссе",
        "площадь",
        "набережная",
        "проезд",
        "микрорайон",
        "квартал",
        "город",
        "поселок",
        "село",
        "деревня",
        "район",
        "адрес",
    ]
)
_CHUNK = 1_000  # rows of a block compared with their window as one sparse product


@dataclass(frozen=True)
class Incident:
    """One incident: its appeals' category, place, count, first and last time, a typical text."""

    incident: str
    category: str
    location: str
    size: int
    first: str
    last: str
    text: str


@dataclass
class IncidentResult:
    """Per input row its incident id and location, in order; and the incidents."""

    incident: list[str]
    location: list[str]
    incidents: list[Incident]
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """Return the incidents as a table, largest first."""
        rows = sorted(self.incidents, key=lambda i: (-i.size, i.incident))
        return pd.DataFrame([asdict(i) for i in rows], columns=list(Incident.__dataclass_fields__))


@dataclass(frozen=True)
class IncidentFiles:
    """What `incidents_file` wrote, and its notes."""

    output: Path
    incidents_table: Path
    rows: int
    incidents: int
    grouped_rows: int
    notes: list[str]
    seconds: float


def parse_window(window: str | timedelta | None) -> timedelta | None:
    """Return a duration from '72h', '3d', '90min', '1w' (or a timedelta; None stays None)."""
    if window is None or isinstance(window, timedelta):
        return window
    match = _DURATION.fullmatch(str(window))
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(
            f"window: {window!r} is not a positive duration; write e.g. 72h, 3d, 90min or 1w"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_dates(values: Sequence[object], *, source: str = "", column: str = "date") -> np.ndarray:
    """Return datetime64 values (NaT for empty cells); a cell that is not a date is an `InputError`.

    Cells may be strings in any common format, datetimes or Timestamps; aware times are
    converted to UTC and naive ones are taken as they are.
    """
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
            continue
        if isinstance(value, str) and not value.strip():
            continue
        parsed = pd.NaT
        if not isinstance(value, (bool, int, float, np.number)):
            try:
                parsed = pd.Timestamp(value.strip() if isinstance(value, str) else value)
            except (ValueError, TypeError, OverflowError):
                parsed = pd.NaT
        if parsed is pd.NaT or pd.isna(parsed):
            bad.append((i, value))
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.tz_convert("UTC").tz_localize(None)
        out[i] = parsed.to_datetime64()
    if bad:
        row, value = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise InputError(
            f"{source or 'dates'}: row {row + 2}, column {column!r}: {value!r} is not a date{more}"
        )
    return out


class _Union:
    """Union-find over rows; a group keeps the settlements its rows name, at most one."""

    def __init__(self, places: Sequence[Place]) -> None:
        self.parent = list(range(len(places)))
        self.settlement = [p.key[0] for p in places]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        """Merge the groups of `i` and `j` unless they name different settlements."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return
        sa, sb = self.settlement[a], self.settlement[b]
        if sa and sb and sa != sb:
            return
        root, child = min(a, b), max(a, b)
        self.parent[child] = root
        self.settlement[root] = sa or sb


def _block_key(category: str, place: Place) -> tuple | None:
    settlement, street, house = place.key
    if not category:
        return None
    if street:
        return (category, "street", street, house)
    if settlement:
        return (category, "settlement", settlement)
    return None


def _problem_texts(texts: Sequence[str], places: Sequence[Place]) -> list[str]:
    """Lemmas of each text without its place words and placeholders."""
    from classifier.preprocess import LemmaPreprocessor

    cut = [t[: p.start] + " " + t[p.end :] if p.start >= 0 else t for t, p in zip(texts, places)]
    lemmas = LemmaPreprocessor().transform(cut)
    return [_PLACEHOLDER.sub(" ", text) for text in lemmas]


def _vectors(texts: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        token_pattern=r"\S+", sublinear_tf=True, stop_words=list(_PLACE_WORDS)
    )
    if not any(t.strip() for t in texts):
        return None
    return vectorizer.fit_transform(texts).tocsr()


def group_incidents(
    texts: Sequence[str],
    categories: Sequence[str],
    dates: Sequence[object] | None = None,
    *,
    window: str | timedelta | None = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
    source: str = "",
    date_column: str = "date",
) -> IncidentResult:
    """Group appeals into incidents; `categories` are their (predicted) labels, '' for none.

    Without `dates` the window is not used. A row with an empty date, an empty text or no
    recognised place is an incident of its own.
    """
    texts = ["" if t is None else str(t) for t in texts]
    n = len(texts)
    if len(categories) != n or (dates is not None and len(dates) != n):
        raise ValueError("texts, categories and dates must have the same length")
    if not 0 < threshold <= 1:
        raise ConfigError(f"threshold: {threshold!r} must be in (0, 1]")
    span = parse_window(window)
    notes = []
    times = None
    if dates is None:
        notes.append("no date column: appeals are grouped regardless of time (window not used)")
    else:
        times = parse_dates(dates, source=source, column=date_column)
        undated = int(np.isnat(times).sum())
        if undated:
            notes.append(f"{undated} appeal(s) with an empty date are not grouped")
    places = [extract_place(t) if t.strip() else Place() for t in texts]
    vectors = _vectors(_problem_texts(texts, places))
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, (category, place) in enumerate(zip(categories, places)):
        key = _block_key(str(category or ""), place) if texts[i].strip() else None
        if key is not None and (times is None or not np.isnat(times[i])):
            blocks[key].append(i)
    unplaced = sum(1 for t, p in zip(texts, places) if t.strip() and not p)
    if unplaced:
        notes.append(f"{unplaced} appeal(s) name no place we recognise: each is its own incident")
    union = _Union(places)
    if vectors is not None:
        for members in blocks.values():
            if len(members) > 1:
                _link_block(members, vectors, places, times, span, threshold, union)
    return _collect(texts, categories, places, times, vectors, union, notes)


def _link_block(members, vectors, places, times, span, threshold, union) -> None:
    """Link the similar, compatible pairs of one block within the window, earliest first.

    Rows are sorted by time; each chunk of rows is compared, as one sparse product, with
    the rows from its start to the end of its window (all later rows without a window).
    """
    idx = np.array(members)
    dated = times is not None and span is not None
    if dated:
        idx = idx[np.argsort(times[idx], kind="stable")]
        t = times[idx]
        limit = np.timedelta64(int(span.total_seconds() * 1e9), "ns")
    pairs = []
    for lo in range(0, len(idx), _CHUNK):
        part = idx[lo : lo + _CHUNK]
        hi = (
            int(np.searchsorted(t, t[lo + len(part) - 1] + limit, side="right"))
            if dated
            else len(idx)
        )
        sims = (vectors[part] @ vectors[idx[lo:hi]].T).tocoo()
        rows, cols = sims.row + lo, sims.col + lo
        keep = (sims.data >= threshold) & (cols > rows)
        if dated:
            keep &= t[np.minimum(cols, len(t) - 1)] - t[rows] <= limit
        pairs.append(np.column_stack([rows[keep], cols[keep]]))
    found = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=int)
    for a, b in found[np.lexsort((found[:, 1], found[:, 0]))]:
        i, j = int(idx[a]), int(idx[b])
        if compatible(places[i], places[j]):
            union.join(i, j)


def _collect(texts, categories, places, times, vectors, union, notes) -> IncidentResult:
    n = len(texts)
    roots = [union.find(i) for i in range(n)]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, root in enumerate(roots):
        groups[root].append(i)
    width = max(5, len(str(len(groups))))
    ids: dict[int, str] = {}
    incidents = []
    for number, (root, members) in enumerate(sorted(groups.items(), key=lambda g: g[1][0]), 1):
        ids[root] = f"I{number:0{width}d}"
        incidents.append(_incident(ids[root], members, texts, categories, places, times, vectors))
    return IncidentResult(
        incident=[ids[r] for r in roots],
        location=[p.label for p in places],
        incidents=incidents,
        notes=notes,
    )


def _incident(name, members, texts, categories, places, times, vectors) -> Incident:
    labels = Counter(places[i].label for i in members if places[i].label)
    # The most specific place of the group: the one naming most parts, then the most frequent.
    location = max(labels, key=lambda x: (x.count(",") + 1, labels[x]), default="")
    first = last = ""
    if times is not None:
        stamps = times[members]
        stamps = stamps[~np.isnat(stamps)]
        if len(stamps):
            first, last = (_iso(stamps.min()), _iso(stamps.max()))
    representative = members[0]
    if len(members) > 2 and vectors is not None:
        block = vectors[members]
        centroid = np.asarray(block.mean(axis=0)).ravel()
        representative = members[int(np.argmax(block @ centroid))]
    return Incident(
        incident=name,
        category=str(categories[members[0]] or ""),
        location=location,
        size=len(members),
        first=first,
        last=last,
        text=texts[representative],
    )


def _iso(value: np.datetime64) -> str:
    stamp = pd.Timestamp(value)
    return (
        stamp.strftime("%Y-%m-%d %H:%M")
        if stamp.time() != stamp.min.time()
        else stamp.strftime("%Y-%m-%d")
    )


def incidents_path(out: Path | str) -> Path:
    """Return the incidents table that belongs to an output file: `<stem>_incidents<suffix>`."""
    out = Path(out)
    return out.with_name(f"{out.stem}_incidents{out.suffix}")


def text_column(frame: pd.DataFrame, column: str) -> list[str]:
    """Return a column as strings, empty cells (None, NaN) as ''."""
    return [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in frame[column]
    ]


def incidents_file(
    path: Path | str,
    out: Path | str,
    *,
    model=None,
    text_col: str = "text",
    date_col: str | None = None,
    window: str | timedelta | None = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
    prefix: str = "",
) -> IncidentFiles:
    """Classify the appeals in `path`, group them into incidents, write `out` and its incidents table.

    `out` has every input row and column in order plus `incident` and `location`
    (named with `prefix`); `date_col` None looks for a column named like a date.
    """
    import time

    from classifier.api import load
    from classifier.data import require_columns
    from classifier.report import DATE_COLUMNS
    from classifier.tables import TableWriter, read_table, table_format

    started = time.perf_counter()
    path, out = Path(path), Path(out)
    table_format(out)
    frame = read_table(path)
    require_columns(frame, path, [text_col] + ([date_col] if date_col else []))
    added = [f"{prefix}incident", f"{prefix}location"]
    clash = [c for c in added if c in frame.columns]
    if clash:
        raise InputError(
            f"{path}: column(s) {', '.join(map(repr, clash))} already exist; pass a prefix "
            "for the added columns"
        )
    date_col = date_col or next((c for c in frame.columns if str(c).lower() in DATE_COLUMNS), None)
    texts = text_column(frame, text_col)
    model = model if model is not None and not isinstance(model, (str, Path)) else load(model)
    proba = model.predict_proba(texts)
    categories = [LABELS[k] if t.strip() else "" for k, t in zip(proba.argmax(axis=1), texts)]
    result = group_incidents(
        texts,
        categories,
        frame[date_col].tolist() if date_col else None,
        window=window,
        threshold=threshold,
        source=str(path),
        date_column=date_col or "date",
    )
    if date_col:
        result.notes.insert(0, f"dates from column {date_col!r}, window {window}")
    frame = frame.copy()
    frame[added[0]] = result.incident
    frame[added[1]] = result.location
    with TableWriter(out) as writer:
        writer.write(frame)
    table = incidents_path(out)
    with TableWriter(table) as writer:
        writer.write(result.table())
    return IncidentFiles(
        output=out,
        incidents_table=table,
        rows=len(frame),
        incidents=len(result.incidents),
        grouped_rows=sum(i.size for i in result.incidents if i.size > 1),
        notes=result.notes,
        seconds=time.perf_counter() - started,
    )


def read_incidents(path: Path | str) -> list[Incident]:
    """Read an incidents table written by `incidents_file`."""
    from classifier.data import require_columns
    from classifier.tables import read_table

    path = Path(path)
    frame = read_table(path)
    names = list(Incident.__dataclass_fields__)
    require_columns(frame, path, names)
    out = []
    for row, record in enumerate(frame[names].to_dict("records"), start=2):
        try:
            size = int(float(record["size"]))
        except (TypeError, ValueError):
            raise InputError(
                f"{path}: row {row}, column 'size': {record['size']!r} is not a count"
            ) from None
        values = {k: "" if pd.isna(v) else str(v) for k, v in record.items()}
        out.append(Incident(**{**values, "size": size}))
    return out
