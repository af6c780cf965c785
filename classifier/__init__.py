"""Topic classifier for Russian citizen appeals: housing, waste, roads, ecology, other.

>>> import classifier
>>> classifier.LABELS
('housing', 'waste', 'roads', 'ecology', 'other')

Importing the package loads no model and no morphology dictionary; names are
imported from their modules on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from classifier.labels import LABELS, LABELS_RU, PUBLISHED_SHARES

if TYPE_CHECKING:
    from classifier.api import load, predict
    from classifier.batch import BatchResult, classify_file
    from classifier.data import LabelledData, read_labelled
    from classifier.distributed import DaskResult, classify_dask
    from classifier.errors import (
        AppealsError,
        ConfigError,
        InputError,
        ModelFileError,
        ModelVersionWarning,
    )
    from classifier.evaluation import Metrics, compute_metrics
    from classifier.explain import ExplanationTerm, explain_texts
    from classifier.model import Model, load_model
    from classifier.normalize import normalize_text
    from classifier.pii import find_pii, mask_pii
    from classifier.pipeline import build_pipeline
    from classifier.prediction import Prediction
    from classifier.preprocess import LemmaPreprocessor, TextNormalizer
    from classifier.review import ReviewThreshold, choose_threshold
    from classifier.routing import Routes, load_routes
    from classifier.service import create_app
    from classifier.training import TrainResult, train, train_file
    from classifier.urgency import is_urgent, urgency_signals

_EXPORTS = {
    "load": "classifier.api",
    "predict": "classifier.api",
    "BatchResult": "classifier.batch",
    "classify_file": "classifier.batch",
    "LabelledData": "classifier.data",
    "read_labelled": "classifier.data",
    "DaskResult": "classifier.distributed",
    "classify_dask": "classifier.distributed",
    "AppealsError": "classifier.errors",
    "ConfigError": "classifier.errors",
    "InputError": "classifier.errors",
    "ModelFileError": "classifier.errors",
    "ModelVersionWarning": "classifier.errors",
    "Metrics": "classifier.evaluation",
    "compute_metrics": "classifier.evaluation",
    "ExplanationTerm": "classifier.explain",
    "explain_texts": "classifier.explain",
    "Model": "classifier.model",
    "load_model": "classifier.model",
    "normalize_text": "classifier.normalize",
    "find_pii": "classifier.pii",
    "mask_pii": "classifier.pii",
    "build_pipeline": "classifier.pipeline",
    "Prediction": "classifier.prediction",
    "LemmaPreprocessor": "classifier.preprocess",
    "TextNormalizer": "classifier.preprocess",
    "ReviewThreshold": "classifier.review",
    "choose_threshold": "classifier.review",
    "Routes": "classifier.routing",
    "load_routes": "classifier.routing",
    "create_app": "classifier.service",
    "TrainResult": "classifier.training",
    "train": "classifier.training",
    "train_file": "classifier.training",
    "is_urgent": "classifier.urgency",
    "urgency_signals": "classifier.urgency",
}

__all__ = ["LABELS", "LABELS_RU", "PUBLISHED_SHARES", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
