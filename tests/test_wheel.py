"""A built wheel, installed (not editable) in a fresh virtual environment, has the model."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILES = ("appeals.joblib", "appeals.json", "appeals.md")
CHECK = """
import sys
import classifier
from classifier.model import default_model_path

path = default_model_path()
assert "site-packages" in classifier.__file__, classifier.__file__
assert path.is_relative_to(__import__("pathlib").Path(classifier.__file__).parent), path
from importlib import resources
assert resources.files("classifier.service").joinpath("static/page.html").is_file()
model = classifier.load()
print(path.name, model.metadata["artifact"]["sha256"], classifier.predict("Яма на дороге").label)
"""


def _can_build_offline() -> bool:
    """setuptools builds wheels itself from 70.1 on; before that it needs `wheel`."""
    version = tuple(int(part) for part in metadata.version("setuptools").split(".")[:2])
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.mark.install
@pytest.mark.skipif(not _can_build_offline(), reason="needs setuptools>=70.1 (the dev extra)")
def test_wheel_ships_the_model(tmp_path: Path) -> None:
    # Reads models/ on purpose: the wheel must carry the shipped model.
    source = tmp_path / "src"
    shutil.copytree(ROOT / "classifier", source / "classifier", ignore=_ignored)
    shutil.copytree(ROOT / "models", source / "models", ignore=_ignored)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    build = ["wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(source)]
    subprocess.run([sys.executable, "-m", "pip", *build], check=True, timeout=120)
    (wheel,) = wheels.glob("appeals_classifier-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"classifier/models/{name}" for name in MODEL_FILES} <= names
    assert "classifier/service/app.py" in names
    # The analysts' page is package data: without it / would be a server error.
    assert {f"classifier/service/static/{n}" for n in ("page.html", "page.js", "page.css")} <= names

    # A fresh environment without pip; the dependencies come from this environment's
    # site-packages through a .pth file (a .pth in that folder, like an editable
    # install's, is not run), and the wheel is installed by this pip into it.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "_outer_site_packages.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    install = ["--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)]
    subprocess.run([sys.executable, "-m", "pip", *install], check=True, timeout=120)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "APPEALS_MODEL")}
    out = subprocess.run(
        [python, "-c", CHECK], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    name, sha256, label = out.stdout.split()
    shipped = (ROOT / "models" / "appeals.json").read_text(encoding="utf-8")
    assert name == "appeals.joblib" and sha256 in shipped and label == "roads"
    script = env_dir / ("Scripts/appeals.exe" if os.name == "nt" else "bin/appeals")
    cli = subprocess.run(
        [script, "predict", "Мусор не вывозят"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0 and cli.stdout.startswith("waste"), cli.stderr


def _ignored(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith((".previous", ".new", ".tmp"))]
