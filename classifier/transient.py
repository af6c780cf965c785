"""Caches and heavy resources kept on an estimator but never pickled with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar


class TransientStateMixin:
    """Keeps the attributes named in `_TRANSIENT` out of pickles; `_transient` creates them lazily.

    Put it before `BaseEstimator` (or the estimator class) in the bases, so that its
    `__getstate__` wraps theirs.
    """

    _TRANSIENT: ClassVar[tuple[str, ...]] = ()

    def _transient(self, name: str, factory: Callable[[], Any]) -> Any:
        """Return the attribute `name`, creating it with `factory` on first use."""
        value = self.__dict__.get(name)
        if value is None:
            value = factory()
            setattr(self, name, value)
        return value

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for name in self._TRANSIENT:
            state.pop(name, None)
        return state
