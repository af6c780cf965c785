"""A fitted pipeline with its metadata: saving, checked loading, and prediction."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np

from classifier.errors import ModelFileError, ModelVersionWarning
from classifier.labels import LABELS, LABELS_RU
from classifier.modelcard import render_model_card
from classifier.pipeline import compact_fitted
from classifier.prediction import Prediction
from classifier.safe_pickle import RefusedGlobal, restricted_joblib_load

FORMAT_VERSION = 1
MODEL_NAME = "appeals"
# Libraries whose versions decide whether a pickled pipeline behaves the same.
CHECKED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "pymorphy3")


def default_model_path() -> Path:
    """Return the shipped model file: $APPEALS_MODEL, else models/appeals.joblib."""
    env = os.environ.get("APPEALS_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / f"{MODEL_NAME}.joblib"


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries a model file depends on."""
    versions = {"python": platform.python_version()}
    for name in ("classifier", *CHECKED_LIBRARIES):
        try:
            versions[name] = importlib_metadata.version(
                "appeals-classifier" if name == "classifier" else name
            )
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def card_path(model_path: Path) -> Path:
    """Return the Markdown model card that belongs to a model file."""
    return model_path.with_suffix(".md")


def metadata_path(model_path: Path) -> Path:
    """Return the JSON metadata file that belongs to a model file."""
    return model_path.with_suffix(".json")


@dataclass
class Model:
    """A fitted pipeline and its metadata; `predict` returns `Prediction` records."""

    pipeline: object
    metadata: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels in the order of the probability columns."""
        return tuple(self.pipeline.classes_)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, 5) array of probabilities in `LABELS` order; empty texts get 0.2 each."""
        return self._proba(_check_texts(texts))

    def _proba(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), len(LABELS)), 1.0 / len(LABELS))
        filled = [i for i, text in enumerate(texts) if text.strip()]
        if filled:
            proba = self.pipeline.predict_proba([texts[i] for i in filled])
            order = [self.labels.index(name) for name in LABELS]
            out[filled] = proba[:, order]
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Return one `Prediction` per text, in order."""
        texts = _check_texts(texts)
        proba = self._proba(texts)
        return [
            Prediction.from_probabilities(dict(zip(LABELS, map(float, row))))
            if text.strip()
            else Prediction.for_empty_text()
            for text, row in zip(texts, proba)
        ]

    def save(self, path: Path, *, keep_previous: bool = True) -> Path:
        """Write the model file and its metadata atomically; return the model path."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if keep_previous and path.exists():
            for old in (path, metadata_path(path), card_path(path)):
                if old.exists():
                    os.replace(old, old.with_name(old.name + ".previous"))
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            tmp_path = Path(tmp.name)
        try:
            # Compacted at save time: predicting after fitting sets state that varies by process.
            joblib.dump(compact_fitted(self.pipeline), tmp_path, compress=("xz", 3))
            tmp_path.chmod(0o644)
            meta = dict(self.metadata)
            meta.update(
                format_version=FORMAT_VERSION,
                labels=list(LABELS),
                labels_ru=dict(LABELS_RU),
                versions=library_versions(),
                artifact={
                    "file": path.name,
                    "sha256": file_sha256(tmp_path),
                    "bytes": tmp_path.stat().st_size,
                },
            )
            meta.setdefault("trained_at", datetime.now(UTC).isoformat(timespec="seconds"))
            meta_tmp = tmp_path.with_suffix(".json.tmp")
            meta_tmp.write_text(
                json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            os.replace(tmp_path, path)
            os.replace(meta_tmp, metadata_path(path))
            card_path(path).write_text(render_model_card(meta), encoding="utf-8")
        finally:
            tmp_path.unlink(missing_ok=True)
        self.metadata, self.path = meta, path
        return path


def load_model(path: Path | str | None = None) -> Model:
    """Load a model file after checking it against its metadata; never runs code from it.

    The file is unpickled with the allow-list of `classifier.safe_pickle`: a file that
    names any other class or function is refused with a `ModelFileError`.
    """
    path = Path(path) if path is not None else default_model_path()
    if path.is_dir():
        path = path / f"{MODEL_NAME}.joblib"
    if path.suffix == ".json":
        path = path.with_suffix(".joblib")
    meta_file = metadata_path(path)
    if not path.exists():
        raise ModelFileError(f"model file not found: {path}")
    if not meta_file.exists():
        raise ModelFileError(f"model metadata not found: {meta_file} (expected beside {path.name})")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"model metadata {meta_file} is not valid JSON: {exc}") from None
    expected = meta.get("artifact", {}).get("sha256")
    actual = file_sha256(path)
    if expected != actual:
        raise ModelFileError(
            f"model file {path} does not match its metadata: sha256 {actual[:12]}…, "
            f"expected {str(expected)[:12]}…; the file is damaged or belongs to another model"
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"model file {path} has format {meta.get('format_version')}, "
            f"this version reads format {FORMAT_VERSION}"
        )
    running = library_versions()
    stale = {
        name: (saved, running.get(name))
        for name, saved in meta.get("versions", {}).items()
        if name in CHECKED_LIBRARIES and saved != running.get(name)
    }
    if stale:
        detail = ", ".join(f"{n} {s} (running {r})" for n, (s, r) in sorted(stale.items()))
        warnings.warn(
            f"model {path.name} was saved with {detail}; retrain it if predictions look wrong",
            ModelVersionWarning,
            stacklevel=2,
        )
    pipeline = _unpickle(path)
    if sorted(getattr(pipeline, "classes_", [])) != sorted(meta.get("labels", [])):
        raise ModelFileError(f"model file {path} predicts other labels than its metadata lists")
    return Model(pipeline=pipeline, metadata=meta, path=path)


def _unpickle(path: Path) -> object:
    """Return the pipeline in a model file, read with the allow-list of globals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        try:
            return restricted_joblib_load(path)
        except RefusedGlobal as exc:
            raise ModelFileError(
                f"model file {path} refused: it names {exc.qualified}, which is not a part "
                "of a model (classifier.safe_pickle.ALLOWED_GLOBALS); nothing in it was run"
            ) from None
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:
            raise ModelFileError(f"model file {path} cannot be read: {exc}") from None


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    if isinstance(texts, (bytes, bytearray)) or not isinstance(texts, Iterable):
        raise TypeError(f"texts must be a list of str, got {type(texts).__name__}")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] must be str, got {type(text).__name__}")
    return texts
