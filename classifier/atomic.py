"""Atomic file writes: a unique temporary file in the target's folder, renamed into place.

A file is replaced whole or not at all, never moved away first: readers see the old
file or the new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from classifier.errors import InputError


def check_writable(path: Path | str, *, param: str = "output") -> Path:
    """Return `path` if a file can be written there, else raise `InputError` naming `param`."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: {param} is a folder, not a file")
    check_folder(path.parent, path=path, param=param)
    return path


def check_folder(folder: Path, *, path: Path, param: str = "output") -> None:
    """Raise `InputError` about `path` unless `folder` is an existing, writable folder."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"{path}: {param}: the folder {folder} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{path}: {param}: the folder {folder} is not writable")


def prepare_folder(path: Path | str, *, param: str = "out_dir") -> Path:
    """Create the folder `path` if needed; raise `InputError` naming `param` if it cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: {param} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the folder {param}: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"{path}: {param}: the folder is not writable")
    return path


class AtomicFile:
    """A unique temporary file next to `path`, renamed onto `path` by `commit`.

    Each instance gets its own file, so two runs writing the same output never share
    one: the last rename wins and readers only ever see a whole file. `discard`
    removes the temporary file and leaves `path` as it was.
    """

    def __init__(self, path: Path | str, *, param: str = "output") -> None:
        self.path = check_writable(path, param=param)
        self.param = param
        try:
            fd, name = tempfile.mkstemp(
                prefix=f".{self.path.stem}.",
                suffix=f".partial{self.path.suffix}",
                dir=self.path.parent,
            )
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write {param}: {exc.strerror}") from None
        os.close(fd)
        self.tmp = Path(name)

    def commit(self) -> Path:
        """Give the temporary file the usual permissions and rename it onto `path`."""
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp makes it private (0600)
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise InputError(f"{self.path}: cannot write {self.param}: {exc.strerror}") from None
        return self.path

    def discard(self) -> None:
        """Remove the temporary file."""
        self.tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: Path | str, *, param: str = "output") -> Iterator[Path]:
    """Yield a unique temporary path next to `path`; rename it onto `path` if no error."""
    target = AtomicFile(path, param=param)
    try:
        yield target.tmp
    except OSError as exc:
        raise InputError(f"{target.path}: cannot write {param}: {exc.strerror or exc}") from None
    else:
        target.commit()
    finally:
        target.discard()


def write_text(path: Path | str, text: str, *, param: str = "output", **options) -> Path:
    """Write `text` (UTF-8 unless `encoding` is given) to `path` atomically; return the path."""
    options.setdefault("encoding", "utf-8")
    with atomic_path(path, param=param) as tmp:
        tmp.write_text(text, **options)
    return Path(path)


def write_atomic(
    path: Path | str, write: Callable[[Path], object], *, param: str = "output"
) -> Path:
    """Let `write` fill a temporary file beside `path`, flush it to disk, rename it onto `path`."""
    with atomic_path(path, param=param) as tmp:
        write(tmp)
        fsync_file(tmp)
    return Path(path)


def copy_atomic(source: Path, target: Path) -> Path:
    """Make `target` a hard link to `source` (a copy where links fail), replacing it whole."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
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
