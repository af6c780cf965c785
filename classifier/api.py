"""The two calls most users need: `load()` and `predict()`."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import overload

from classifier.model import Model, default_model_path, load_model
from classifier.prediction import Prediction


@functools.cache
def _cached(path: Path) -> Model:
    model = load_model(path)
    model.warm()
    return model


def load(path: Path | str | None = None) -> Model:
    """Return the model at `path` (default: the shipped one), loaded and warmed once per process.

    Warm: the fast path built, pymorphy3 and navec loaded, the per-word caches primed
    with the model's vocabulary (`Model.warm`), so the first `predict` is as fast as
    the next ones.
    """
    return _cached(Path(path).resolve() if path is not None else default_model_path().resolve())


@overload
def predict(texts: str, model: Model | None = None, **options) -> Prediction: ...
@overload
def predict(texts: Sequence[str], model: Model | None = None, **options) -> list[Prediction]: ...
def predict(
    texts,
    model=None,
    *,
    urgency: bool = False,
    explain: bool = False,
    routes=None,
    received_at=None,
):
    """Classify one text (returns a `Prediction`) or a list of texts (returns a list, in order).

    `urgency` sets ``urgent`` (`classifier.urgency`); `explain` adds the words behind the label;
    `routes` (a `Routes` or a TOML file) adds ``route`` and, with `received_at` (one
    time per text, or one time for one text), ``deadline``. See `Model.predict`.
    """
    model = model if model is not None else load()
    options = {"urgency": urgency, "explain": explain, "routes": routes}
    if isinstance(texts, str):
        when = None if received_at is None else [received_at]
        return model.predict([texts], received_at=when, **options)[0]
    return model.predict(texts, received_at=received_at, **options)
