"""A bring-your-own transaction log for ``channelwise cltv``: typed, checked, cut at a cutoff.

Every problem becomes one :class:`LogError` whose message names the file and the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.contract_errors import rows_violation
from features.contract_parse import parse_table

ORDER_COLUMNS = ("customer_id", "ordered_at", "revenue")
OPTIONAL_ORDER_COLUMNS = ("order_id", "margin")
UNKNOWN_CHANNEL = "unknown"


class LogError(ValueError):
    """The user's file cannot be used; the message names the file and the column."""


def as_of_after(cutoff: pd.Timestamp) -> pd.Timestamp:
    """Return the exclusive end of the data for a cutoff day: the next midnight."""
    return pd.Timestamp(cutoff).normalize() + pd.Timedelta(days=1)


def _require(raw: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [column for column in columns if column not in raw.columns]
    if missing:
        found = ", ".join(map(str, raw.columns)) or "none"
        raise LogError(f"{source}: missing required column(s) {', '.join(missing)} "
                       f"(found: {found})")


def _typed(raw: pd.DataFrame, columns: list[str], source: str, table: str) -> pd.DataFrame:
    """Parse the named columns; the first unparseable column raises with an example."""
    frame = raw[columns].reset_index(drop=True)
    typed, violations, _ = parse_table(table, frame, keys=["customer_id"])
    if violations:
        raise LogError(f"{source}: column {violations[0].column!r}: "
                       f"{violations[0].message().split(': ', 1)[1]}")
    return typed


def _reject(frame: pd.DataFrame, bad: np.ndarray, column: str, rule: str, source: str) -> None:
    if bad.any():
        violation = rows_violation("orders", column, rule, frame, np.flatnonzero(bad),
                                   ["customer_id", column])
        raise LogError(f"{source}: column {column!r}: {violation.message().split(': ', 1)[1]}")


def parse_order_log(raw: pd.DataFrame, source: str, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Type and check a transaction log, keeping the rows on or before the cutoff day.

    Parameters
    ----------
    raw : pandas.DataFrame
        As read: ``customer_id``, ``ordered_at`` (ISO 8601), ``revenue`` (>= 0), optional
        ``order_id`` and ``margin``; other columns are ignored.
    source : str
        The file name, for messages.
    cutoff : pandas.Timestamp
        The last day of usable data; rows after that day are dropped before any check on
        values, so later rows can never matter.

    Returns
    -------
    pandas.DataFrame
        ``order_id`` (the row number when absent), ``customer_id``, ``ordered_at``,
        ``revenue`` and ``margin`` when present.

    Raises
    ------
    LogError
        On a missing column, an unparseable or missing value, negative revenue, or no row
        on or before the cutoff.
    """
    _require(raw, ORDER_COLUMNS, source)
    columns = [*ORDER_COLUMNS, *(c for c in OPTIONAL_ORDER_COLUMNS if c in raw.columns)]
    orders = _typed(raw, columns, source, "orders")
    for column in (*ORDER_COLUMNS, *(["order_id"] if "order_id" in columns else [])):
        _reject(orders, orders[column].isna().to_numpy(), column, "is missing", source)
    if "order_id" not in orders.columns:
        orders.insert(0, "order_id", np.arange(len(orders), dtype=np.int64))
    usable = (orders["ordered_at"] < as_of_after(cutoff)).to_numpy()
    if not usable.any():
        raise LogError(f"{source}: column 'ordered_at': no rows on or before the cutoff "
                       f"{pd.Timestamp(cutoff).date()} (earliest: {orders['ordered_at'].min()})")
    negative = usable & (orders["revenue"] < 0).to_numpy()
    _reject(orders, negative, "revenue", "must be >= 0", source)  # row numbers as in the file
    return orders.loc[usable].reset_index(drop=True)


def customers_from_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """One customer per id in the orders, acquired at the first order, channel ``unknown``."""
    first = orders.groupby("customer_id", sort=True)["ordered_at"].min()
    return pd.DataFrame({
        "customer_id": first.index.astype("str"),
        "acquired_at": first.to_numpy(),
        "acquisition_channel": UNKNOWN_CHANNEL,
    })


def parse_customer_log(
    raw: pd.DataFrame, source: str, orders: pd.DataFrame, cutoff: pd.Timestamp
) -> pd.DataFrame:
    """Type and check a customers file against the orders already parsed.

    Parameters
    ----------
    raw : pandas.DataFrame
        As read: ``customer_id`` (unique), optional ``acquired_at`` (default: the first
        order) and ``acquisition_channel`` (default ``unknown``); other columns are
        attributes the model may use.
    source : str
        The file name, for messages.
    orders : pandas.DataFrame
        From :func:`parse_order_log`; every customer in it must be in the file.
    cutoff : pandas.Timestamp
        Customers acquired after this day are dropped.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``acquired_at``, ``acquisition_channel`` and the attributes.

    Raises
    ------
    LogError
        On a missing ``customer_id`` column, duplicate or unknown ids, or bad values.
    """
    _require(raw, ("customer_id",), source)
    customers = _typed(raw, list(raw.columns), source, "customers")
    ids = customers["customer_id"]
    _reject(customers, ids.isna().to_numpy(), "customer_id", "is missing", source)
    _reject(customers, ids.duplicated().to_numpy(), "customer_id", "is duplicated", source)
    derived = customers_from_orders(orders).set_index("customer_id")
    unknown = ~pd.Index(derived.index).isin(ids)
    if unknown.any():
        raise LogError(f"{source}: column 'customer_id': {int(unknown.sum())} customer(s) of "
                       f"the orders are missing, e.g. {derived.index[unknown][0]!r}")
    first = ids.map(derived["acquired_at"])
    acquired = customers["acquired_at"] if "acquired_at" in customers else first
    channel = customers.get("acquisition_channel", pd.Series(UNKNOWN_CHANNEL, index=ids.index))
    customers = customers.assign(acquired_at=acquired.fillna(first),
                                 acquisition_channel=channel.fillna(UNKNOWN_CHANNEL))
    kept = customers["acquired_at"].notna() & (customers["acquired_at"] < as_of_after(cutoff))
    return customers.loc[kept].reset_index(drop=True)
