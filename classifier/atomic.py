"""Crash-safe file operations: a file is replaced whole or not at all, never moved away."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def temporary_path(target: Path) -> Path:
    """Return a new, unique temporary file name beside `target` (the file is created empty)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk."""
    with path.open("rb") as f:
        os.fsync(f.fileno())


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(target: Path, write: Callable[[Path], object], mode: int = 0o644) -> Path:
    """Let `write` fill a temporary file beside `target`, then rename it onto `target`."""
    tmp = temporary_path(target)
    try:
        write(tmp)
        tmp.chmod(mode)
        fsync_file(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def write_text_atomic(target: Path, text: str) -> Path:
    """Write UTF-8 text to `target` through a temporary file and a rename."""
    return write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def copy_atomic(source: Path, target: Path) -> Path:
    """Make `target` a hard link to `source` (a copy where links fail), replacing it whole."""
    tmp = temporary_path(target)
    try:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copy2(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
