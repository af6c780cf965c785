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
