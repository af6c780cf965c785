"""The record `predict()` returns for each appeal."""

from __future__ import annotations

from dataclasses import dataclass, field

from classifier.labels import LABELS, LABELS_RU


@dataclass(frozen=True)
class Prediction:
    """The predicted label of one appeal, its Russian name and all five probabilities.

    ``empty`` is True for a text with no characters but white space: such a text
    gets the label ``other`` with uniform probabilities (0.2 each).
    """

    label: str
    label_ru: str
    probabilities: dict[str, float] = field(repr=False)
    confidence: float
    empty: bool = False

    @classmethod
    def from_probabilities(cls, probabilities: dict[str, float]) -> Prediction:
        """Build the record from a probability per label."""
        label = max(LABELS, key=lambda name: probabilities[name])
        return cls(
            label=label,
            label_ru=LABELS_RU[label],
            probabilities=probabilities,
            confidence=probabilities[label],
        )

    @classmethod
    def for_empty_text(cls) -> Prediction:
        """The documented result for an empty or white-space-only text."""
        uniform = {name: 1.0 / len(LABELS) for name in LABELS}
        return cls(
            label="other",
            label_ru=LABELS_RU["other"],
            probabilities=uniform,
            confidence=uniform["other"],
            empty=True,
        )

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "label": self.label,
            "label_ru": self.label_ru,
            "confidence": self.confidence,
            "probabilities": dict(self.probabilities),
            "empty": self.empty,
        }
