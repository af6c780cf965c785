"""Topic classifier for Russian citizen appeals: housing, waste, roads, ecology, other.

>>> import classifier
>>> classifier.LABELS
('housing', 'waste', 'roads', 'ecology', 'other')

Importing the package loads no model and no morphology dictionary; names are
imported from their modules on first use.

The modules, in the order data flows through them:

- text: `normalize` (placeholders, abbreviations), `morph` and `preprocess` (cached
  lemmas), `embeddings` (navec), `vectorizers`;
- model: `pipeline` (the estimator), `training` (cross-validation, fitting), `model`
  (files with metadata), `safe_pickle` (allow-list loading), `api` (`load`, `predict`),
  `prediction`, `labels`, `aliases`;
- data: `tables` and `cells` (every file format), `data` (labelled tables), `atomic`,
  `dedup`, `register` (corpus checks);
- analysis: `metrics` (the metrics record) and `evaluate` (error reports), `quantify` (share
  corrections), `report`, `report_render`, `file_report` and `plots` (the distribution
  report: built, written in Russian or English, read from a file), `i18n` (languages and
  number formats), `sampling` and `sheet`
  (labelling sheets), `calibration` (reports corrected with local labels), `adapt`
  (retraining with local labels), `modelcard`;
- serving: `batch` (files), `distributed` (Dask), `service/` (HTTP API and the analysts'
  page);
- `cli`: the `appeals` command, thin wrappers over the above.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from classifier.labels import LABELS, LABELS_RU, PUBLISHED_SHARES

if TYPE_CHECKING:
    from classifier.adapt import AdaptResult, adapt, adapt_file
    from classifier.api import load, predict
    from classifier.audit import Audit, AuditRow, audit_file, confident_learning
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
    from classifier.explain import ExplanationTerm, explain_texts
    from classifier.incidents import Incident, IncidentResult, group_incidents, incidents_file
    from classifier.metrics import Metrics, compute_metrics
    from classifier.model import Model, load_model
    from classifier.normalize import normalize_text
    from classifier.pii import find_pii, mask_pii
    from classifier.pipeline import build_pipeline
    from classifier.places import Place, extract_place
    from classifier.prediction import Prediction
    from classifier.preprocess import LemmaPreprocessor, TextNormalizer
    from classifier.report import Report, build_report, write_report
    from classifier.review import ReviewThreshold, choose_threshold
    from classifier.routing import Routes, load_routes
    from classifier.service import create_app
    from classifier.sheet import LabelSheet, read_sheet, sample_file
    from classifier.training import TrainResult, train, train_file
    from classifier.urgency import is_urgent, urgency_signals

_EXPORTS = {
    "AdaptResult": "classifier.adapt",
    "adapt": "classifier.adapt",
    "adapt_file": "classifier.adapt",
    "load": "classifier.api",
    "predict": "classifier.api",
    "Audit": "classifier.audit",
    "AuditRow": "classifier.audit",
    "audit_file": "classifier.audit",
    "confident_learning": "classifier.audit",
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
    "Metrics": "classifier.metrics",
    "compute_metrics": "classifier.metrics",
    "ExplanationTerm": "classifier.explain",
    "explain_texts": "classifier.explain",
    "Incident": "classifier.incidents",
    "IncidentResult": "classifier.incidents",
    "group_incidents": "classifier.incidents",
    "incidents_file": "classifier.incidents",
    "Model": "classifier.model",
    "load_model": "classifier.model",
    "normalize_text": "classifier.normalize",
    "find_pii": "classifier.pii",
    "mask_pii": "classifier.pii",
    "Place": "classifier.places",
    "extract_place": "classifier.places",
    "build_pipeline": "classifier.pipeline",
    "Prediction": "classifier.prediction",
    "Report": "classifier.report",
    "build_report": "classifier.report",
    "write_report": "classifier.report",
    "LabelSheet": "classifier.sheet",
    "read_sheet": "classifier.sheet",
    "sample_file": "classifier.sheet",
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
