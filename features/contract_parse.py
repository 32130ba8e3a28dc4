"""Parse raw input columns into the typed columns of the data contract.

Each column's type follows from its name, in every table; values that cannot be parsed are
reported as violations instead of being silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from features.contract_errors import Violation, rows_violation

ID_COLUMNS = frozenset({"customer_id", "order_id", "lead_id", "staff_id", "referred_by"})
TIMESTAMP_COLUMNS = frozenset(
    {"acquired_at", "ordered_at", "created_at", "mql_at", "sql_at", "converted_at", "week"}
)
NUMERIC_COLUMNS = frozenset({"revenue", "margin", "spend", "touches", "engagement_score"})

# pandas' default string dtype: NaN marks a missing value, never the text "nan".
STRING_DTYPE: Final = "str"
TIMESTAMP_DTYPE: Final = "datetime64[ns]"

# pandas' default NA markers. They mean "missing" in id, timestamp and number columns only:
# in text columns they can be real values, such as the region "NA" (North America).
NA_MARKERS = frozenset(
    {"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"}
    | {"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)

NOT_A_DATETIME = "not a valid datetime"
NOT_A_NUMBER = "not a number"


def as_strings(values: pd.Series, missing: frozenset[str] = frozenset()) -> pd.Series:
    """Convert a column to stripped strings, with blank text treated as missing.

    Parameters
    ----------
    values : pandas.Series
        Any column (text from CSV, or a typed Parquet column).
    missing : frozenset of str
        Further texts that mean "missing", such as :data:`NA_MARKERS`.

    Returns
    -------
    pandas.Series
        Column of dtype ``str``; missing, blank and ``missing`` values are NaN.
    """
    text = values.astype(STRING_DTYPE).str.strip()
    return text.mask((text == "") | text.isin(missing))


def parse_timestamps(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO 8601 timestamps into naive ``datetime64[ns]``.

    Time-zone aware values are converted to UTC and then made naive; naive values are kept
    as they are.

    Parameters
    ----------
    values : pandas.Series
        Text such as ``2024-01-31 09:30:00`` or ``2024-01-31T09:30:00+01:00``, or a datetime
        column.

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[ns]`` column, NaT where missing or unparseable.
    invalid : pandas.Series
        True where a value is present but is not a valid (or representable) datetime.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
        present = values.notna()
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        parsed, present = values, values.notna()
    else:
        text = as_strings(values, NA_MARKERS)
        present = text.notna()
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        parsed = parsed.dt.tz_localize(None)
    in_range = parsed.between(pd.Timestamp.min, pd.Timestamp.max)
    parsed = parsed.where(in_range).astype(TIMESTAMP_DTYPE)
    return parsed, present & parsed.isna()


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column into finite ``float64`` numbers.

    Parameters
    ----------
    values : pandas.Series
        Text such as ``12.50``, or a numeric column.

    Returns
    -------
    parsed : pandas.Series
        ``float64`` column, NaN where missing or invalid.
    invalid : pandas.Series
        True where a value is present but is not a finite number.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        present = values.notna()
        numbers = values.astype("float64")
    else:
        text = as_strings(values, NA_MARKERS)
        present = text.notna()
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    parsed = numbers.where(np.isfinite(numbers))
    return parsed, present & parsed.isna()


def parse_table(
    table: str, raw: pd.DataFrame, keys: Sequence[str]
) -> tuple[pd.DataFrame, list[Violation], dict[str, pd.Series]]:
    """Type every column of one table and report the values that cannot be parsed.

    Parameters
    ----------
    table : str
        Table name, used in violations.
    raw : pandas.DataFrame
        Table as read, with a default ``RangeIndex``. Id columns (``customer_id``,
        ``order_id``, ``lead_id``) become strings; timestamp columns (``acquired_at``,
        ``ordered_at``, ``created_at``, ``mql_at``, ``sql_at``, ``converted_at``, ``week``)
        become naive ``datetime64[ns]``; ``revenue``, ``margin``, ``spend``, ``touches`` and
        ``engagement_score`` become ``float64``; any other column becomes strings. Blank
        cells are missing everywhere; :data:`NA_MARKERS` such as ``NA`` or ``null`` are
        missing in id, timestamp and number columns, and kept as text elsewhere.
    keys : sequence of str
        Columns that identify a row, shown in examples.

    Returns
    -------
    typed : pandas.DataFrame
        The table with typed columns, in the input order.
    violations : list of Violation
        One per column holding unparseable values.
    invalid : dict of str to pandas.Series
        Per parsed column, True where the value could not be parsed.
    """
    typed: dict[str, pd.Series] = {}
    invalid: dict[str, pd.Series] = {}
    violations: list[Violation] = []
    for column in raw.columns:
        values = raw[column]
        if column in TIMESTAMP_COLUMNS:
            typed[column], invalid[column] = parse_timestamps(values)
            rule = NOT_A_DATETIME
        elif column in NUMERIC_COLUMNS:
            typed[column], invalid[column] = parse_numbers(values)
            rule = NOT_A_NUMBER
        else:
            typed[column] = as_strings(values, NA_MARKERS if column in ID_COLUMNS else frozenset())
            continue
        if invalid[column].any():
            rows = np.flatnonzero(invalid[column].to_numpy()).tolist()
            violations.append(rows_violation(table, column, rule, raw, rows, [*keys, column]))
    return pd.DataFrame(typed, index=raw.index), violations, invalid
