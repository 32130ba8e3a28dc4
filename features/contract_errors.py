"""Violations of the input data contract and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Violation:
    """One broken rule of the data contract.

    Attributes
    ----------
    table : str
        Input table (``customers``, ``orders``, ``spend``, ``leads``), or ``*`` for the
        directory itself.
    column : str
        Offending column, ``"week, channel"`` for a rule on a pair of columns, or ``*`` for
        the whole table.
    rule : str
        The rule that is broken, e.g. ``"must be >= 0"``.
    count : int
        How many rows break it (0 for rules about a table or a file).
    examples : list of dict
        Up to five offending rows, each a dict with its 1-based ``row`` number (the header
        is not counted) and the row's key and offending values.
    """

    table: str
    column: str
    rule: str
    count: int
    examples: list[dict[str, object]]

    def message(self) -> str:
        """Describe the violation in one line.

        Returns
        -------
        str
            E.g. ``orders.revenue: must be >= 0 (3 rows), e.g. row 4: order_id=O2,
            revenue=-5.0``.
        """
        text = f"{self.table}.{self.column}: {self.rule}"
        if self.count:
            text += f" ({self.count} row{'s' if self.count != 1 else ''})"
        if self.examples:
            text += f", e.g. {format_example(self.examples[0])}"
        return text


class ContractError(ValueError):
    """Input tables break the data contract; ``violations`` lists every broken rule."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        super().__init__("\n".join(violation.message() for violation in self.violations))


def format_example(example: dict[str, object]) -> str:
    """Render one example row as ``row 4: order_id=O2, revenue=-5.0``.

    Parameters
    ----------
    example : dict
        Example from :attr:`Violation.examples`; its optional ``row`` key leads.

    Returns
    -------
    str
        The example on one line.
    """
    values = ", ".join(
        f"{key}={'NA' if value is None else value}"
        for key, value in example.items()
        if key != "row"
    )
    if "row" not in example:
        return values
    return f"row {example['row']}: {values}" if values else f"row {example['row']}"


def plain_value(value: object) -> object:
    """Turn a pandas or NumPy scalar into a plain Python value for reports.

    Parameters
    ----------
    value : object
        A cell of a frame.

    Returns
    -------
    object
        ``None`` for missing values, ISO text for timestamps (the date alone at midnight),
        Python scalars otherwise.
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def rows_violation(
    table: str,
    column: str,
    rule: str,
    frame: pd.DataFrame,
    rows: Iterable[int],
    columns: Sequence[str],
) -> Violation:
    """Build a violation for some rows of a table, with up to five example rows.

    Parameters
    ----------
    table, column, rule : str
        What is broken, see :class:`Violation`.
    frame : pandas.DataFrame
        The table, with a default ``RangeIndex`` (row ``i`` is reported as row ``i + 1``).
    rows : iterable of int
        Positions of the offending rows.
    columns : sequence of str
        Columns shown for each example row; columns absent from ``frame`` are skipped.

    Returns
    -------
    Violation
        ``count`` is the number of distinct offending rows.
    """
    positions = sorted({int(row) for row in rows})
    shown = [name for name in dict.fromkeys(columns) if name in frame.columns]
    examples: list[dict[str, object]] = []
    for position in positions[:MAX_EXAMPLES]:
        example: dict[str, object] = {"row": position + 1}
        example.update({name: plain_value(frame[name].iat[position]) for name in shown})
        examples.append(example)
    return Violation(table, column, rule, len(positions), examples)
