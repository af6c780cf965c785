"""Build hook: ship the default model (models/appeals.*) inside the wheel, as package data.

`models/` stays the one place `train.py` writes to and the only committed copy; a
build copies its three files into the built package as `classifier/models/`, where
`classifier.model.default_model_path()` looks first. An editable install copies
nothing: there the checkout's models/ is found instead. Everything else about the
package is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MODEL_FILES = ("appeals.joblib", "appeals.json", "appeals.md")


class BuildWithModel(build_py):
    """`build_py` that also copies models/appeals.{joblib,json,md} to classifier/models/."""

    def run(self) -> None:
        """Build the package, then add the model files."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "classifier" / "models"
        target.mkdir(parents=True, exist_ok=True)
        for name in MODEL_FILES:
            source = ROOT / "models" / name
            if not source.exists():
                raise FileNotFoundError(f"the wheel needs {source}: run `python train.py`")
            shutil.copy2(source, target / name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        """The built files, the model files included."""
        target = Path(self.build_lib) / "classifier" / "models"
        return [*super().get_outputs(include_bytecode), *(str(target / n) for n in MODEL_FILES)]


setup(cmdclass={"build_py": BuildWithModel})
