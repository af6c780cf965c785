"""Cell values between pandas and files: plain Python values, text cells, Excel-safe CSV cells.

Excel runs a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). `protect` puts a single quote before such a
text, as OWASP advises; it also quotes a text that already starts with quotes
followed by one of those characters, so that `unprotect` can undo exactly what
`protect` did: ``unprotect(protect(s)) == s`` for every string.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

FORMULA_START = "=+-@\t\r"
_PROTECTED = re.compile(r"'*[=+\-@\t\r]")
_UNPROTECT = re.compile(r"'+[=+\-@\t\r]")


def protect(text: str) -> str:
    """Return `text` with a leading single quote if Excel would run it as a formula."""
    return "'" + text if _PROTECTED.match(text) else text


def unprotect(text: str) -> str:
    """Undo `protect`: drop one leading quote before quotes and a formula character."""
    return text[1:] if _UNPROTECT.match(text) else text


def is_null(value: Any) -> bool:
    """Return True for None, NaN, NaT and pd.NA (not for lists or other containers)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def plain(value: Any) -> Any:
    """Return `value` as a plain Python value: numpy scalars and arrays unwrapped, nulls None."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if is_null(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def json_value(value: Any) -> Any:
    """Return `value` ready for `json.dumps`: plain, dates and times as ISO 8601 text."""
    value = plain(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    return value


def flat_value(value: Any) -> Any:
    """Return `value` for a one-value cell (CSV, XLSX): lists and objects as JSON text."""
    value = plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(json_value(value), ensure_ascii=False, default=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return value


def as_text(series: pd.Series) -> pd.Series:
    """Return the column as strings for classification: a null is an empty text."""
    return pd.Series(
        ["" if is_null(v) else v if isinstance(v, str) else str(flat_value(v)) for v in series],
        index=series.index,
        dtype=object,
    )


def column(values: list[Any]) -> pd.Series:
    """Return a column of read values: 'str' dtype if all are strings, else as they are (object)."""
    if all(isinstance(v, str) for v in values):
        return pd.Series(values, dtype=str)
    return pd.Series(values, dtype=object)
