"""Errors the package raises for bad input and bad model files."""

from __future__ import annotations


class AppealsError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class ModelFileError(AppealsError):
    """A model file is missing, damaged, or does not match its metadata."""


class ModelVersionWarning(UserWarning):
    """The model was saved with other library versions than the running ones."""


class InputError(AppealsError):
    """Bad input data; the message names the file, and where known the row and column."""


class ConfigError(AppealsError, ValueError):
    """A setting (an argument or environment variable) has an unusable value; names it."""
