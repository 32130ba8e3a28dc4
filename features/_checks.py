"""Shared input checks and column normalisation for the feature builders."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

_BOOL_STRINGS = {"true": True, "false": False}
DAY_SECONDS = 86_400  # the one home of the length of a day; nowhere else spells it
DAY_NS = DAY_SECONDS * 10**9
WEEK_NS = 7 * DAY_NS


class MissingColumnsError(KeyError, ValueError):
    """A required column is missing from an input table.

    Derives from both `KeyError` and `ValueError` so callers may catch either.
    """

    def __str__(self) -> str:
        # KeyError would otherwise repr-quote the message.
        return str(self.args[0]) if self.args else ""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise if any of `columns` is missing from `frame`.

    Parameters
    ----------
    frame : pd.DataFrame
        The table to check.
    columns : Iterable[str]
        Column names that must be present.
    table : str
        Name of the table, used in the error message.

    Raises
    ------
    MissingColumnsError
        Naming the table, every missing column and the columns that were found.
    """
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"{table} is missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'})"
        )


def to_category_ready(column: pd.Series) -> pd.Series:
    """Return an attribute column as a model-ready dtype.

    Numbers, booleans and datetimes pass through. Text whose values are all
    "True"/"False" (any case) becomes `bool` (nullable `boolean` when values are
    missing); any other text becomes the `str` dtype, ready for `astype("category")`.

    Parameters
    ----------
    column : pd.Series
        One attribute column.

    Returns
    -------
    pd.Series
        A new series; the input is not modified.
    """
    dtype = column.dtype
    if (
        pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
    ):
        return column.copy()
    text = column.astype("str")
    present = text.dropna()
    if len(present) and bool(present.str.lower().isin(list(_BOOL_STRINGS)).all()):
        flags = text.str.lower().map(_BOOL_STRINGS)
        return flags.astype("boolean") if flags.isna().any() else flags.astype(bool)
    return text


def datetime_ns(column: pd.Series) -> np.ndarray:
    """Return a datetime column as int64 nanoseconds since the epoch (NaT is int64 min)."""
    return column.to_numpy(dtype="datetime64[ns]").view(np.int64)


def monday_ns(stamps_ns: np.ndarray) -> np.ndarray:
    """Return the midnight of the Monday on or before each int64 nanosecond timestamp."""
    days = stamps_ns // DAY_NS
    # 1970-01-01 was a Thursday, so day 0 is weekday 3 (Monday is 0).
    return (days - (days + 3) % 7) * DAY_NS
