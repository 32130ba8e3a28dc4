"""Learn the column schema of a tabular frame and encode it as a float matrix for LightGBM.

Text and categorical columns become integer codes of the categories seen at fit; anything
else missing or unseen becomes NaN, which LightGBM treats as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from features._checks import DAY_NS

_BOOL_TEXT = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0}


class ColumnKind(StrEnum):
    """How a column is encoded."""

    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    CATEGORY = "category"
    DATETIME = "datetime"


@dataclass(frozen=True)
class TabularSchema:
    """Columns, their kinds and, for categorical columns, the categories seen at fit.

    Attributes
    ----------
    columns : tuple of str
        Column names in order.
    kinds : tuple of ColumnKind
        One kind per column.
    categories : dict of str to tuple of str
        Sorted categories per categorical column; code ``i`` is ``categories[column][i]``.
    """

    columns: tuple[str, ...]
    kinds: tuple[ColumnKind, ...]
    categories: dict[str, tuple[str, ...]]

    @property
    def categorical_indices(self) -> list[int]:
        """Positions of the categorical columns."""
        return [i for i, kind in enumerate(self.kinds) if kind is ColumnKind.CATEGORY]

    def to_dict(self) -> dict[str, Any]:
        """Return the schema as plain JSON types."""
        return {
            "columns": list(self.columns),
            "kinds": [str(kind) for kind in self.kinds],
            "categories": {column: list(values) for column, values in self.categories.items()},
        }

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> TabularSchema:
        """Rebuild a schema written by :meth:`to_dict`."""
        return cls(
            columns=tuple(str(column) for column in payload["columns"]),
            kinds=tuple(ColumnKind(kind) for kind in payload["kinds"]),
            categories={
                str(column): tuple(str(value) for value in values)
                for column, values in payload["categories"].items()
            },
        )


def column_kind(column: pd.Series) -> ColumnKind:
    """Classify a column by its dtype: boolean, numeric, datetime, else categorical."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.BOOLEAN
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnKind.NUMERIC
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnKind.DATETIME
    return ColumnKind.CATEGORY


def learn_schema(frame: pd.DataFrame) -> TabularSchema:
    """Learn column kinds and the sorted categories of each categorical column.

    Parameters
    ----------
    frame : pd.DataFrame
        Any columns; non-numeric, non-boolean, non-datetime columns are categorical and
        their values are compared as text.

    Returns
    -------
    TabularSchema
        The schema; missing values are not a category.
    """
    columns = tuple(str(column) for column in frame.columns)
    kinds = tuple(column_kind(frame[column]) for column in frame.columns)
    categories = {
        name: tuple(sorted(_as_text(frame[column]).dropna().unique().tolist()))
        for name, column, kind in zip(columns, frame.columns, kinds, strict=True)
        if kind is ColumnKind.CATEGORY
    }
    return TabularSchema(columns=columns, kinds=kinds, categories=categories)


def encode_frame(frame: pd.DataFrame, schema: TabularSchema) -> np.ndarray:
    """Encode a frame with the columns of `schema` as a float64 matrix.

    Parameters
    ----------
    frame : pd.DataFrame
        Holds every column of the schema, in the same order (extra columns are an error;
        select first).
    schema : TabularSchema
        Learned by :func:`learn_schema`.

    Returns
    -------
    np.ndarray
        Shape ``(len(frame), len(schema.columns))``: numbers as they are, booleans as 0/1,
        datetimes as days since 1970, categories as codes; NaN where missing or unseen.

    Raises
    ------
    ValueError
        If a column is missing, or a numeric, boolean or datetime column holds a value of
        another type; the message names the column and an example value.
    """
    by_name = {str(column): column for column in frame.columns}
    missing = [column for column in schema.columns if column not in by_name]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    encoded = np.empty((len(frame), len(schema.columns)), dtype=np.float64)
    for i, (column, kind) in enumerate(zip(schema.columns, schema.kinds, strict=True)):
        values = frame[by_name[column]]
        if kind is ColumnKind.CATEGORY:
            encoded[:, i] = _category_codes(values, schema.categories[column])
        elif kind is ColumnKind.BOOLEAN:
            encoded[:, i] = _booleans(values, column)
        elif kind is ColumnKind.DATETIME:
            encoded[:, i] = _days(values, column)
        else:
            encoded[:, i] = _numbers(values, column)
    return encoded


def _as_text(column: pd.Series) -> pd.Series:
    return column.astype("str").where(column.notna())


def _category_codes(column: pd.Series, categories: tuple[str, ...]) -> np.ndarray:
    codes = pd.Categorical(_as_text(column), categories=list(categories)).codes
    return np.where(codes < 0, np.nan, codes.astype(np.float64))


def _numbers(column: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    parsed = pd.to_numeric(column, errors="coerce")
    _raise_on_unparsed(column, parsed, name, "numeric")
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


def _booleans(column: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return _numbers(column, name)
    parsed = _as_text(column).str.strip().str.lower().map(_BOOL_TEXT)
    _raise_on_unparsed(column, parsed, name, "boolean (True/False)")
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


def _days(column: pd.Series, name: str) -> np.ndarray:
    parsed = pd.to_datetime(column, errors="coerce")
    _raise_on_unparsed(column, parsed, name, "a datetime")
    stamps = parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    return np.where(parsed.isna().to_numpy(), np.nan, stamps / DAY_NS)


def _raise_on_unparsed(column: pd.Series, parsed: pd.Series, name: str, expected: str) -> None:
    bad = parsed.isna().to_numpy() & column.notna().to_numpy()
    if bad.any():
        example = column[bad].iloc[0]
        raise ValueError(
            f"column {name!r} must be {expected}, found {int(bad.sum())} value(s) "
            f"such as {example!r}"
        )


def encoded_example(frame: pd.DataFrame, schema: TabularSchema, rows: int = 5) -> pd.DataFrame:
    """Return the first ``rows`` rows encoded as a booster sees them (categories as codes)."""
    head = frame.head(rows)
    return pd.DataFrame(encode_frame(head, schema), columns=list(schema.columns))
