"""The record `predict()` returns for each appeal."""

from __future__ import annotations

from dataclasses import dataclass, field

from classifier.labels import LABELS, LABELS_RU


@dataclass(frozen=True)
class Prediction:
    """The predicted label of one appeal, its Russian name and all five probabilities.

    ``empty`` is True for a text with no characters but white space: such a text
    gets the label ``other`` with uniform probabilities (0.2 each). ``needs_review`` is
    True when the confidence is below the model's review threshold (never for a model
    without one, see `classifier.review`). ``urgent`` is None unless urgency was checked
    (`classifier.urgency`); ``explanation``, ``route`` and ``deadline`` are None unless
    asked for.
    """

    label: str
    label_ru: str
    probabilities: dict[str, float] = field(repr=False)
    confidence: float
    empty: bool = False
    needs_review: bool = False
    urgent: bool | None = None
    explanation: list | None = field(default=None, repr=False)
    route: str | None = None
    deadline: str | None = None

    @classmethod
    def from_probabilities(
        cls, probabilities: dict[str, float], *, review_threshold: float | None = None
    ) -> Prediction:
        """Build the record from a probability per label (and the model's review threshold)."""
        label = max(LABELS, key=lambda name: probabilities[name])
        confidence = probabilities[label]
        return cls(
            label=label,
            label_ru=LABELS_RU[label],
            probabilities=probabilities,
            confidence=confidence,
            needs_review=review_threshold is not None and confidence < review_threshold,
        )

    @classmethod
    def for_empty_text(cls, *, review_threshold: float | None = None) -> Prediction:
        """The documented result for an empty or white-space-only text (flagged for review
        when the model has a review threshold: there is nothing to route)."""
        uniform = {name: 1.0 / len(LABELS) for name in LABELS}
        return cls(
            label="other",
            label_ru=LABELS_RU["other"],
            probabilities=uniform,
            confidence=uniform["other"],
            empty=True,
            needs_review=review_threshold is not None,
        )

    def to_dict(self) -> dict:
        """Return a JSON-ready dict; explanation, route and deadline only when set."""
        out = {
            "label": self.label,
            "label_ru": self.label_ru,
            "confidence": self.confidence,
            "probabilities": dict(self.probabilities),
            "empty": self.empty,
            "needs_review": self.needs_review,
            "urgent": self.urgent,
        }
        if self.explanation is not None:
            out["explanation"] = [term.to_dict() for term in self.explanation]
        if self.route is not None:
            out["route"] = self.route
            out["deadline"] = self.deadline
        return out
