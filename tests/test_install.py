"""A fresh install must import what the project depends on."""

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
