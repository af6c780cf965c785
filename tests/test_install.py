"""A fresh install must import what the project depends on, and declare what it imports."""

from __future__ import annotations

import subprocess
import sys


def test_natasha_morph_vocab_works() -> None:
    # natasha 1.6 builds MorphVocab on pymorphy2, which needs pkg_resources.
    from natasha import MorphVocab

    assert MorphVocab()("стали")


def test_import_is_light() -> None:
    code = (
        "import sys, classifier; "
        "heavy = [m for m in ('sklearn', 'pymorphy3', 'pandas', 'natasha') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Import names whose distribution is named otherwise.
DISTRIBUTIONS = {"sklearn": "scikit-learn"}


def _imported_modules() -> set[str]:
    """Top-level third-party modules that classifier/ imports."""
    import ast
    from pathlib import Path

    found = set()
    for path in (Path(__file__).resolve().parent.parent / "classifier").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "classifier"}


def test_every_imported_module_is_declared() -> None:
    import re
    import tomllib
    from pathlib import Path

    project = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    requirements = [*project["dependencies"], *extras]
    declared = {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}
    missing = {
        module
        for module in _imported_modules()
        if DISTRIBUTIONS.get(module, module).replace("_", "-").lower() not in declared
    }
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
