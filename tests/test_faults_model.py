"""Fault suite for model files: hostile pickles are refused, saving is atomic."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import time
from pathlib import Path

import joblib
import numpy as np
import pytest
from typer.testing import CliRunner

from classifier import Model, ModelFileError, load_model
from classifier.cli import app
from classifier.model import file_sha256, metadata_path
from classifier.safe_pickle import RefusedGlobal, restricted_pickle_load

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def good_model(fitted_model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model file saved in the test session."""
    path = tmp_path_factory.mktemp("good") / "appeals.joblib"
    return Model(pipeline=fitted_model.pipeline, metadata={}).save(path)


class _Reduce:
    """An object whose unpickling calls `func(*args)`: what a hostile model file does."""

    def __init__(self, func: object, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple:
        return self.func, self.args


def _shell(marker: Path) -> str:
    return f"touch {marker}"


def _os_system(marker: Path) -> object:
    return _Reduce(os.system, _shell(marker))


def _eval(marker: Path) -> object:
    return _Reduce(eval, f"open({str(marker)!r}, 'w').close()")


def _subprocess(marker: Path) -> object:
    return _Reduce(subprocess.call, ["touch", str(marker)])


def _in_object_array(marker: Path) -> object:
    # joblib writes an object array as a nested pickle after its placeholder.
    return {"classes": np.array([_os_system(marker)], dtype=object)}


def _inside_pipeline(marker: Path) -> object:
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("evil", "passthrough")])
    pipeline.steps = [("evil", _os_system(marker))]
    return pipeline


def _dotted_name(marker: Path) -> bytes:
    # Protocol 4 resolves a dotted name attribute by attribute: "os.system" in
    # classifier.batch, which imports os, is os.system.
    def text(value: str) -> bytes:
        data = value.encode()
        return b"\x8c" + bytes([len(data)]) + data

    return (
        b"\x80\x04"
        + text("classifier.batch")
        + text("os.system")
        + b"\x93"
        + text(_shell(marker))
        + b"\x85R."
    )


HOSTILE = {
    "os.system": (_os_system, "posix.system"),
    "builtins.eval": (_eval, "builtins.eval"),
    "subprocess.call": (_subprocess, "subprocess.call"),
    "object array": (_in_object_array, "posix.system"),
    "inside a pipeline": (_inside_pipeline, "posix.system"),
}


def _write_model(path: Path, good_model: Path, payload: object) -> Path:
    """Write `payload` as a model file, with the good model's metadata and a matching sha256."""
    if isinstance(payload, bytes):
        path.write_bytes(payload)
    else:
        joblib.dump(payload, path, compress=("xz", 3))
    meta = json.loads(metadata_path(good_model).read_text(encoding="utf-8"))
    meta["artifact"] = {"file": path.name, "sha256": file_sha256(path), "bytes": 0}
    metadata_path(path).write_text(json.dumps(meta), encoding="utf-8")
    return path


@pytest.fixture(params=[*HOSTILE, "dotted name"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path, good_model: Path) -> tuple:
    """A hostile model file with a correct sha256, its marker file and the global it names."""
    marker = tmp_path / "pwned"
    if request.param == "dotted name":
        payload, refused = _dotted_name(marker), "classifier.batch.os.system"
    else:
        make, refused = HOSTILE[request.param]
        payload = make(marker)
    return _write_model(tmp_path / "evil.joblib", good_model, payload), marker, refused


def test_load_model_refuses_hostile_file(hostile: tuple) -> None:
    path, marker, refused = hostile
    with pytest.raises(ModelFileError, match="refused") as info:
        load_model(path)
    assert str(path) in str(info.value) and refused in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    "how",
    ["predict --model", "serve --model", "$APPEALS_MODEL"],
)
def test_cli_refuses_hostile_file(
    hostile: tuple, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, marker, _ = hostile
    if how == "$APPEALS_MODEL":
        monkeypatch.setenv("APPEALS_MODEL", str(path))
        args = ["predict", "текст"]
    else:
        command = how.split()[0]
        args = [command, "--model", str(path), *(["текст"] if command == "predict" else [])]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not marker.exists()


def test_service_refuses_hostile_file(hostile: tuple) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from classifier.service import create_app

    path, marker, _ = hostile
    with pytest.raises(ModelFileError, match="refused"), TestClient(create_app(model_path=path)):
        pass
    assert not marker.exists()


@pytest.mark.parametrize("make", [_os_system, _eval, _subprocess], ids=["system", "eval", "sub"])
def test_worker_pickle_is_restricted(make, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pickle"
    path.write_bytes(pickle.dumps(make(marker)))
    with path.open("rb") as f, pytest.raises(RefusedGlobal):
        restricted_pickle_load(f)
    assert not marker.exists()


def test_worker_pickle_of_a_model_loads(fitted_model: Model, tmp_path: Path) -> None:
    path = tmp_path / "model.pickle"
    path.write_bytes(pickle.dumps(fitted_model, protocol=pickle.HIGHEST_PROTOCOL))
    with path.open("rb") as f:
        loaded = restricted_pickle_load(f)
    assert loaded.predict(["Нет отопления"]) == fitted_model.predict(["Нет отопления"])


def test_trained_model_still_loads(good_model: Path, fitted_model: Model) -> None:
    texts = ["Нет отопления", "Яма на дороге"]
    assert load_model(good_model).predict(texts) == fitted_model.predict(texts)


def test_allow_list_covers_the_shipped_model() -> None:
    # Reads models/ on purpose: every global the shipped file names must be allowed.
    assert load_model(ROOT / "models" / "appeals.joblib").labels


# Saving: at every instant the path holds a whole model whose metadata matches it.


def _tiny_model(c: float) -> Model:
    """A model of a few hundred bytes, fast to save, whose `C` tells which save wrote it."""
    from sklearn.linear_model import LogisticRegression

    from classifier.labels import LABELS

    pipeline = LogisticRegression(C=1.0).fit(np.eye(len(LABELS)), list(LABELS))
    pipeline.C = c
    return Model(pipeline=pipeline, metadata={"note": c})


def _save_forever(path: str, start: int) -> None:
    for i in range(start, start + 1_000_000):
        _tiny_model(float(i)).save(Path(path))


def _save_and_exit_at(path: str, step: int) -> None:
    """Save once, and die (like SIGKILL: no clean-up) before file operation number `step`."""
    calls = [0]

    def dying(real):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == step:
                os._exit(9)
            return real(*args, **kwargs)

        return call

    os.replace, os.link = dying(os.replace), dying(os.link)
    _tiny_model(2.0).save(Path(path))
    os._exit(0)


def _assert_whole(path: Path, allowed: set[float] | None = None) -> float:
    """Load the model at `path`; its metadata must be the one written with it."""
    loaded = load_model(path)
    assert loaded.metadata["note"] == loaded.pipeline.C
    assert allowed is None or loaded.pipeline.C in allowed
    return loaded.pipeline.C


def _join(child) -> None:
    """Wait for a child process; kill it if it hangs (a forked child can inherit a held lock)."""
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the saving child process hung")


def _fork() -> object:
    import multiprocessing

    return multiprocessing.get_context("fork")


@pytest.mark.parametrize("keep_previous", [True, False])
def test_save_killed_at_every_step_leaves_old_or_new(tmp_path: Path, keep_previous: bool) -> None:
    path = tmp_path / "m.joblib"
    for step in range(1, 50):
        _tiny_model(1.0).save(path)
        child = _fork().Process(target=_save_and_exit_at, args=(str(path), step))
        child.start()
        _join(child)
        # After a kill the path holds the old or the new model, never a mismatch...
        _assert_whole(path, {1.0, 2.0})
        # ... and the next save finishes or replaces the interrupted one.
        _tiny_model(3.0).save(path, keep_previous=keep_previous)
        _assert_whole(path, {3.0})
        if child.exitcode == 0:
            break
    else:
        pytest.fail("save never completed")
    assert step > 8  # the staged pair, the previous copies and the renames were all hit


def test_save_killed_at_random_times(tmp_path: Path) -> None:
    import random

    path = _tiny_model(0.0).save(tmp_path / "m.joblib")
    rng = random.Random(0)
    seen = set()
    for run in range(1, 25):
        child = _fork().Process(target=_save_forever, args=(str(path), run * 10_000))
        child.start()
        time.sleep(rng.uniform(0.0, 0.3))
        child.kill()
        _join(child)
        seen.add(_assert_whole(path))
    assert len(seen) >= 3  # the kills landed in different saves


def test_readers_during_saves_see_whole_models(tmp_path: Path) -> None:
    path = _tiny_model(0.0).save(tmp_path / "m.joblib")
    child = _fork().Process(target=_save_forever, args=(str(path), 1))
    child.start()
    seen, reads, deadline = set(), 0, time.monotonic() + 20
    try:
        while reads < 60 or (len(seen) < 5 and time.monotonic() < deadline):
            seen.add(_assert_whole(path))
            reads += 1
    finally:
        child.kill()
        _join(child)
    assert len(seen) >= 2  # the reads ran while the child saved


@pytest.mark.parametrize(
    "state, loads",
    [
        # (model file, metadata, staged metadata *.json.new): which model loads, if any.
        (("new", "old", None), None),
        (("new", "old", "new"), 2.0),
        (("old", "old", "new"), 1.0),
        (("old", "new", None), None),
        (("old", "new", "old"), 1.0),
        (("new", "new", "old"), 2.0),
        (("new", "old", "garbage"), None),
    ],
)
def test_mismatched_pairs_are_never_accepted(tmp_path: Path, state: tuple, loads) -> None:
    files = {}
    for name, c in (("old", 1.0), ("new", 2.0)):
        path = _tiny_model(c).save(tmp_path / name / "m.joblib")
        files[name] = (path.read_bytes(), metadata_path(path).read_text(encoding="utf-8"))
    model_bytes, meta, staged = state
    target = tmp_path / "m.joblib"
    target.write_bytes(files[model_bytes][0])
    metadata_path(target).write_text(files[meta][1], encoding="utf-8")
    if staged is not None:
        text = files[staged][1] if staged in files else "{not json"
        target.with_name("m.json.new").write_text(text, encoding="utf-8")
    if loads is None:
        with pytest.raises(ModelFileError, match="does not match its metadata"):
            load_model(target)
    else:
        assert _assert_whole(target) == loads
