"""A fitted pipeline with its metadata: saving, checked loading, and prediction."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import platform
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from classifier.atomic import copy_atomic, fsync_dir, write_atomic, write_text
from classifier.compiled import (
    CompiledScorer,
    compile_pipeline,
    pipeline_signature,
    same_signature,
)
from classifier.errors import ModelFileError, ModelVersionWarning
from classifier.labels import LABELS, LABELS_RU
from classifier.modelcard import render_model_card
from classifier.pipeline import compact_fitted
from classifier.prediction import Prediction
from classifier.review import review_threshold
from classifier.safe_pickle import RefusedGlobal, restricted_joblib_load

if TYPE_CHECKING:
    from classifier.warm import WarmUp

FORMAT_VERSION = 1
MODEL_NAME = "appeals"
# Libraries whose versions decide whether a pickled pipeline behaves the same.
CHECKED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "pymorphy3")


def default_model_path() -> Path:
    """Return the default model file: $APPEALS_MODEL, else the one shipped with the package.

    An installed wheel has it inside the package (classifier/models/, copied there
    by setup.py); a checkout or an editable install has it in the checkout's models/.
    """
    env = os.environ.get("APPEALS_MODEL")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent
    packaged = package / "models" / f"{MODEL_NAME}.joblib"
    if packaged.exists():
        return packaged
    return package.parent / "models" / f"{MODEL_NAME}.joblib"


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
    """A fitted pipeline and its metadata; `predict` returns `Prediction` records.

    `predict` and `predict_proba` score through `scorer`, compiled from the pipeline
    (classifier.compiled), or, where no scorer can be built, through the pipeline itself.
    """

    pipeline: object
    metadata: dict = field(default_factory=dict)
    path: Path | None = None
    # (pipeline signature, scorer or None): rebuilt when the pipeline is refitted or
    # replaced; never pickled (see __getstate__).
    _compiled: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        return state

    @property
    def scorer(self) -> CompiledScorer | None:
        """The compiled fast path of `pipeline`, or None where predictions use the pipeline."""
        signature = pipeline_signature(self.pipeline)
        compiled = self._compiled
        if compiled is None or not same_signature(compiled[0], signature):
            try:
                scorer = compile_pipeline(self.pipeline)
            except Exception:  # an unfitted or unusual pipeline: it reports its own errors
                scorer = None
            compiled = self._compiled = (signature, scorer)
        return compiled[1]

    def warm(self) -> WarmUp:
        """Build the scorer, load navec and the analyzer, prime the per-word caches; see `warm_up`."""
        from classifier.warm import warm_up

        return warm_up(self)

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
            scorer = self.scorer
            predict_proba = (
                scorer.predict_proba if scorer is not None else self.pipeline.predict_proba
            )
            proba = predict_proba([texts[i] for i in filled])
            order = [self.labels.index(name) for name in LABELS]
            out[filled] = proba[:, order]
        return out

    def predict(
        self,
        texts: Sequence[str],
        *,
        urgency: bool = False,
        explain: bool = False,
        routes: object = None,
        received_at: Sequence[object] | None = None,
    ) -> list[Prediction]:
        """Return one `Prediction` per text, in order.

        Opt-in extras, each costing nothing when off: `urgency` sets ``urgent``
        (`classifier.urgency`), `explain` sets ``explanation`` (`classifier.explain`),
        `routes` (a `classifier.routing.Routes` or a TOML file) sets ``route`` and, with
        `received_at` (one time per text, None for unknown), ``deadline``.
        """
        texts = _check_texts(texts)
        proba = self._proba(texts)
        threshold = review_threshold(self.metadata)
        results = [
            Prediction.from_probabilities(dict(zip(LABELS, row)), review_threshold=threshold)
            if text.strip()
            else Prediction.for_empty_text(review_threshold=threshold)
            for text, row in zip(texts, proba.tolist())  # Python floats, in one call
        ]
        if urgency or explain or routes is not None:
            from classifier.triage import add_triage

            results = add_triage(
                self,
                texts,
                results,
                urgency=urgency,
                explain=explain,
                routes=routes,
                received_at=received_at,
            )
        return results

    def save(self, path: Path, *, keep_previous: bool = True) -> Path:
        """Write the model file, its metadata and card; `path` always holds a whole model.

        The model file (`m.joblib`) and its metadata (`m.json`, with the file's sha256)
        are two files, replaced one after the other, so a reader must never accept a
        pair that does not match. The steps, each of which may be interrupted:

        1. The new model is written to a temporary file and renamed to `m.joblib.new`,
           then its metadata likewise to `m.json.new` (a "staged" pair).
        2. With `keep_previous`, the current files are hard-linked (copied where links
           fail) to `m.joblib.previous`, `m.json.previous`, `m.md.previous`; the live
           files are never moved away.
        3. `m.joblib.new` is renamed onto `m.joblib`, then `m.json.new` onto `m.json`
           (`os.replace`: atomic on POSIX and Windows); then the card is replaced.

        Before step 3 the old pair is in place; after it the new one. Between the two
        renames `m.joblib` is new and `m.json` old: `load_model` accepts a model file
        only with the metadata whose sha256 matches it, `m.json` or else the staged
        `m.json.new`, and re-reads when the files change under it. A save that was
        killed between the renames is finished by the next save. One writer at a time.
        """
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta_file = metadata_path(path)
        _finish_interrupted_save(path)
        staged_model, staged_meta = staged_path(path), staged_path(meta_file)
        # Compacted at save time: predicting after fitting sets state that varies by process.
        pipeline = compact_fitted(self.pipeline)
        write_atomic(staged_model, lambda tmp: joblib.dump(pipeline, tmp, compress=("xz", 3)))
        meta = dict(self.metadata)
        meta.update(
            format_version=FORMAT_VERSION,
            labels=list(LABELS),
            labels_ru=dict(LABELS_RU),
            versions=library_versions(),
            artifact={
                "file": path.name,
                "sha256": file_sha256(staged_model),
                "bytes": staged_model.stat().st_size,
            },
        )
        meta.setdefault("trained_at", datetime.now(UTC).isoformat(timespec="seconds"))
        write_text(staged_meta, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
        if keep_previous:
            for live in (path, meta_file, card_path(path)):
                if live.exists():
                    copy_atomic(live, live.with_name(live.name + ".previous"))
        os.replace(staged_model, path)
        os.replace(staged_meta, meta_file)
        fsync_dir(path.parent)
        write_text(card_path(path), render_model_card(meta))
        self.metadata, self.path = meta, path
        return path


def staged_path(path: Path) -> Path:
    """Return the name a file is staged under while a save replaces it: `<name>.new`."""
    return path.with_name(path.name + ".new")


def _finish_interrupted_save(path: Path) -> None:
    """Complete a save killed between its two renames: the staged metadata matches the file."""
    staged = staged_path(metadata_path(path))
    if path.exists() and _artifact_sha256(staged) == file_sha256(path):
        os.replace(staged, metadata_path(path))


def _artifact_sha256(meta_file: Path) -> str | None:
    """Return the sha256 a metadata file records, or None when it is absent or unreadable."""
    try:
        return json.loads(meta_file.read_text(encoding="utf-8")).get("artifact", {}).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None


# A reader whose files changed under it (a save in progress) reads them again this often.
READ_ATTEMPTS = 5


def load_model(path: Path | str | None = None, *, compile: bool = True) -> Model:
    """Load a model file after checking it against its metadata; never runs code from it.

    With `compile` (the default) the fast path (`Model.scorer`) is built here, at load;
    without, on first use (a process that only checks the file skips its cost).

    The metadata is `<name>.json`, or the staged `<name>.json.new` of a save between its
    renames (see `Model.save`), whichever records the file's sha256; a mismatch is read
    again while the files change and then refused. The file is unpickled with the
    allow-list of `classifier.safe_pickle`: a file that names any other class or
    function is refused with a `ModelFileError`.
    """
    path = Path(path) if path is not None else default_model_path()
    if path.is_dir():
        path = path / f"{MODEL_NAME}.joblib"
    if path.suffix == ".json":
        path = path.with_suffix(".joblib")
    expected = None
    for attempt in range(READ_ATTEMPTS):
        try:
            f = path.open("rb")
        except FileNotFoundError:
            raise ModelFileError(f"model file not found: {path}") from None
        with f:
            # One open file is hashed and unpickled: a rename cannot swap it in between.
            actual = _stream_sha256(f)
            meta, expected, settled = _matching_metadata(path, actual, f)
            if meta is not None:
                f.seek(0)
                return _checked_model(path, meta, f, compile=compile)
        if settled:
            break
        time.sleep(0.02 * (attempt + 1))
    raise ModelFileError(
        f"model file {path} does not match its metadata: sha256 {actual[:12]}…, "
        f"expected {str(expected)[:12]}…; the file is damaged or belongs to another model"
    )


def _stream_sha256(f: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: f.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _matching_metadata(path: Path, actual: str, f: BinaryIO) -> tuple[dict | None, object, bool]:
    """Return (the metadata recording sha256 `actual` or None, the sha256 expected, settled).

    Settled: nothing changed while reading (no save in progress), so a mismatch is final.
    """
    meta_file = metadata_path(path)
    try:
        text = meta_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(
            f"model metadata not found: {meta_file} (expected beside {path.name})"
        ) from None
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"model metadata {meta_file} is not valid JSON: {exc}") from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"model metadata {meta_file} is not valid JSON: {exc}") from None
    expected = meta.get("artifact", {}).get("sha256") if isinstance(meta, dict) else None
    if expected == actual:
        return meta, expected, True
    staged = staged_path(meta_file)
    if _artifact_sha256(staged) == actual:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(staged.read_text(encoding="utf-8")), actual, True
    try:
        unchanged = (
            os.stat(path).st_ino == os.fstat(f.fileno()).st_ino
            and meta_file.read_text(encoding="utf-8") == text
            and not staged.exists()
        )
    except OSError:
        unchanged = False
    return None, expected, unchanged


def _checked_model(path: Path, meta: dict, f: BinaryIO, *, compile: bool = True) -> Model:
    """Check the metadata's format and versions, then unpickle the open model file."""
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
            stacklevel=3,
        )
    pipeline = _unpickle(path, f)
    if sorted(getattr(pipeline, "classes_", [])) != sorted(meta.get("labels", [])):
        raise ModelFileError(f"model file {path} predicts other labels than its metadata lists")
    model = Model(pipeline=pipeline, metadata=meta, path=path)
    if compile:
        model.scorer  # noqa: B018 - built once here, at load, not by the first prediction
    return model


def _unpickle(path: Path, f: BinaryIO) -> object:
    """Return the pipeline in an open model file, read with the allow-list of globals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        try:
            return restricted_joblib_load(f)
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
