"""The opt-in extras of `Model.predict`: urgency, explanations, routes and deadlines."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from classifier.errors import InputError
from classifier.prediction import Prediction

if TYPE_CHECKING:
    from classifier.model import Model


def add_triage(
    model: Model,
    texts: list[str],
    results: list[Prediction],
    *,
    urgency: bool = False,
    explain: bool = False,
    routes: object = None,
    received_at: Sequence[object] | None = None,
) -> list[Prediction]:
    """Return `results` with ``urgent``, ``explanation``, ``route`` and ``deadline`` filled."""
    if received_at is not None and len(received_at) != len(texts):
        raise InputError(
            f"received_at must have one time per text: {len(received_at)} for {len(texts)} texts"
        )
    updates: list[dict] = [{} for _ in texts]
    if urgency or routes is not None:
        from classifier.urgency import is_urgent

        for update, text in zip(updates, texts):
            update["urgent"] = is_urgent(text)
    if explain:
        from classifier.explain import explain_texts

        labels = [r.label for r in results]
        for update, terms, r in zip(updates, explain_texts(model, texts, labels), results):
            update["explanation"] = [] if r.empty else terms
    if routes is not None:
        from classifier.routing import as_routes

        table = as_routes(routes)
        for i, (update, r) in enumerate(zip(updates, results)):
            when = received_at[i] if received_at is not None else None
            assigned = table.assign(r.label, urgent=update["urgent"], received_at=when)
            update["route"], update["deadline"] = assigned.body, assigned.deadline
    return [dataclasses.replace(r, **u) for r, u in zip(results, updates)]


def triage_columns(
    frame,
    *,
    text_col: str,
    prefix: str = "",
    urgency: bool = False,
    routes: object = None,
    date_col: str | None = None,
    mask_pii: bool = False,
    source: object = "table",
):
    """Return a classified chunk with ``urgent``, ``route``, ``deadline`` added, text masked.

    `frame` already has the result columns (`classifier.batch.attach_results`). A row
    with empty text gets empty cells. With `mask_pii` the text column holds the masked
    text (`classifier.pii.mask_pii`), never the original.
    """
    import pandas as pd

    from classifier.cells import as_text

    wanted = (["urgent"] if urgency or routes is not None else []) + (
        ["route", "deadline"] if routes is not None else []
    )
    clash = [f"{prefix}{c}" for c in wanted if f"{prefix}{c}" in frame.columns]
    if clash:
        raise InputError(
            f"{source}: column(s) {', '.join(map(repr, clash))} already present; "
            "pass a prefix for the added columns"
        )
    texts = as_text(frame[text_col]).tolist()
    frame = frame.copy()
    labels = frame[f"{prefix}label"].tolist()
    if urgency or routes is not None:
        from classifier.urgency import is_urgent

        urgent = pd.array(
            [is_urgent(t) if lab else None for t, lab in zip(texts, labels)], "boolean"
        )
        frame[f"{prefix}urgent"] = urgent
    if routes is not None:
        from classifier.routing import as_routes

        table = as_routes(routes)
        if date_col is not None and date_col not in frame.columns:
            raise InputError(f"{source}: no column {date_col!r} (date_col) for the deadlines")
        dates = frame[date_col].tolist() if date_col is not None else [None] * len(frame)
        bodies, deadlines = [], []
        for label, flag, when in zip(labels, frame[f"{prefix}urgent"], dates):
            if not label:
                bodies.append("")
                deadlines.append("")
                continue
            try:
                assigned = table.assign(label, urgent=bool(flag), received_at=when)
            except InputError as exc:
                raise InputError(f"{source}: column {date_col!r}: {exc}") from None
            bodies.append(assigned.body)
            deadlines.append(assigned.deadline or "")
        frame[f"{prefix}route"] = pd.array(bodies, dtype=str)
        frame[f"{prefix}deadline"] = pd.array(deadlines, dtype=str)
    if mask_pii:
        from classifier.pii import mask_pii_many

        frame[text_col] = pd.array(mask_pii_many(texts), dtype=str)
    return frame
