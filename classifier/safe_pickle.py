"""Loading model pickles without running code from them: an allow-list of globals.

A pickle is a program: every class or function it names (a "global") is imported and
may be called with arguments from the file, so `pickle.load` or `joblib.load` of a
hostile file runs whatever it wants (`os.system`, `builtins.eval`, ...). The
unpicklers here resolve only the exact (module, name) pairs in `ALLOWED_GLOBALS`,
the ones a model of this project consists of; any other global is refused before its
module is imported, so nothing named by the file runs. A refused file raises
`RefusedGlobal`, which `classifier.model.load_model` reports as a `ModelFileError`.

The list was read from the shipped model with a recording unpickler (see
tests/test_faults_model.py) and widened only by the few harmless names that other
library versions or pickle protocols use for the same objects (numpy's arrays,
dtypes and scalars, scipy's sparse matrices, set/frozenset/slice/complex).
A model with new classes (say, another scikit-learn estimator) needs them added here.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path
from typing import IO, Any

_NUMPY_CORE = ("numpy._core.multiarray", "numpy.core.multiarray")
_NUMPY_NUMERIC = ("numpy._core.numeric", "numpy.core.numeric")
_SPARSE = [
    (f"scipy.sparse._{kind}", f"{kind}_{flavour}")
    for kind in ("csr", "csc", "coo")
    for flavour in ("matrix", "array")
]

# Exact (module, name) pairs; a name is never matched by prefix, since pickle resolves
# dotted names attribute by attribute (`classifier.batch`, `os.system` is os.system).
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        # The project's own estimators and the tokenizer function of the word channel.
        ("classifier.embeddings", "EmbeddingFeatures"),
        ("classifier.pipeline", "_split"),
        ("classifier.preprocess", "LemmaPreprocessor"),
        ("classifier.preprocess", "TextNormalizer"),
        ("classifier.vectorizers", "WordCachedTfidfVectorizer"),
        # A whole `Model` (the batch workers' temporary file) with its path.
        ("classifier.model", "Model"),
        ("pathlib", "PosixPath"),
        ("pathlib", "WindowsPath"),
        ("pathlib._local", "PosixPath"),
        ("pathlib._local", "WindowsPath"),
        # scikit-learn: the steps of `classifier.pipeline.build_pipeline`.
        ("sklearn.pipeline", "Pipeline"),
        ("sklearn.pipeline", "FeatureUnion"),
        ("sklearn.feature_extraction.text", "TfidfVectorizer"),
        ("sklearn.feature_extraction.text", "TfidfTransformer"),
        ("sklearn.linear_model._logistic", "LogisticRegression"),
        # joblib's array placeholder (the arrays' bytes follow it in the file).
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        # numpy: arrays, dtypes and scalars as pickle and joblib write them.
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        *(
            ("numpy", name)
            for name in ("float64", "float32", "int64", "int32", "intc", "bool_", "str_")
        ),
        *((module, "_reconstruct") for module in _NUMPY_CORE),
        *((module, "scalar") for module in _NUMPY_CORE),
        *((module, "_frombuffer") for module in _NUMPY_NUMERIC),
        ("numpy.dtypes", "Float64DType"),
        ("numpy.dtypes", "Float32DType"),
        ("numpy.dtypes", "Int64DType"),
        ("numpy.dtypes", "Int32DType"),
        ("numpy.dtypes", "StrDType"),
        ("numpy.dtypes", "ObjectDType"),
        *_SPARSE,
        # Builtins that pickle names for plain data.
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("builtins", "bytearray"),
        ("builtins", "object"),
        ("copyreg", "_reconstructor"),
        ("_codecs", "encode"),
    }
)


class RefusedGlobal(pickle.UnpicklingError):
    """A pickle names a global that is not in `ALLOWED_GLOBALS`; nothing from it was run."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"refused global {module}.{name}")
        self.module, self.name = module, name

    @property
    def qualified(self) -> str:
        """The refused global as module.name."""
        return f"{self.module}.{self.name}"


def _allowed(module: str, name: str) -> None:
    """Raise `RefusedGlobal` unless (module, name) is allowed; checked before any import."""
    if (module, name) not in ALLOWED_GLOBALS:
        raise RefusedGlobal(module, name)


class RestrictedUnpickler(pickle.Unpickler):
    """`pickle.Unpickler` that resolves only `ALLOWED_GLOBALS`."""

    def find_class(self, module: str, name: str) -> Any:
        """Return the allowed global, or raise `RefusedGlobal`."""
        _allowed(module, name)
        return super().find_class(module, name)


def restricted_pickle_load(file: IO[bytes]) -> Any:
    """Return the object of a plain pickle stream whose globals are all allowed."""
    return RestrictedUnpickler(file).load()


@functools.cache
def _joblib_unpickler() -> type:
    """Return joblib's NumpyUnpickler subclassed with the allow-list (joblib imported late)."""
    import numpy as np
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler

    class RestrictedNumpyUnpickler(NumpyUnpickler):
        """joblib's unpickler with the allow-list, also for object arrays' nested pickles."""

        dispatch = NumpyUnpickler.dispatch.copy()

        def find_class(self, module: str, name: str) -> Any:
            """Return the allowed global, or raise `RefusedGlobal`."""
            _allowed(module, name)
            return super().find_class(module, name)

        def load_build(self) -> None:
            """Build an object; read the array a `NumpyArrayWrapper` stands for, restricted."""
            # NumpyUnpickler.load_build, except that an object array's nested pickle is
            # read here with the allow-list: joblib before 1.5 read it with pickle.load.
            super(NumpyUnpickler, self).load_build()
            wrapper = self.stack[-1]
            if not isinstance(wrapper, NumpyArrayWrapper):
                return
            self.stack.pop()
            if not isinstance(wrapper.dtype, np.dtype) or wrapper.subclass is not np.ndarray:
                raise pickle.UnpicklingError("malformed joblib array placeholder")
            if wrapper.dtype.hasobject:
                array = RestrictedUnpickler(self.file_handle).load()
            else:
                array = wrapper.read(self, self.ensure_native_byte_order)
            self.stack.append(array)

        dispatch[pickle.BUILD[0]] = load_build

    return RestrictedNumpyUnpickler


def restricted_joblib_load(file: Path | str | IO[bytes]) -> Any:
    """Return the object of a `joblib.dump` file (a path or an open binary file), allowed globals only.

    The same reading as `joblib.load` (compressed or not, no memory mapping), with the
    allow-list; files of joblib before 0.10, which joblib reads another way, are refused.
    """
    if not hasattr(file, "read"):
        with Path(file).open("rb") as f:
            return restricted_joblib_load(f)
    from joblib.numpy_pickle import _validate_fileobject_and_memmap

    unpickler = _joblib_unpickler()
    name = str(getattr(file, "name", ""))
    with _validate_fileobject_and_memmap(file, name) as (fobj, _):
        if isinstance(fobj, str):
            raise pickle.UnpicklingError("a joblib file older than joblib 0.10")
        return unpickler(name, fobj, ensure_native_byte_order=True).load()
