"""Weekly channel panel as of a cutoff: spend, leads and new customers per (week, channel)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features._checks import WEEK_NS, datetime_ns, monday_ns, require_columns

PANEL_COLUMNS = ("week", "channel", "spend", "leads", "new_customers", "paid")


def build_channel_panel(
    spend: pd.DataFrame,
    customers: pd.DataFrame,
    leads: pd.DataFrame | None,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """Build the weekly (week, channel) panel of every full week before `cutoff`.

    Parameters
    ----------
    spend : pd.DataFrame
        Requires ``week`` (the Monday starting it), ``channel``, ``spend``.
    customers : pd.DataFrame
        Requires ``acquired_at``, ``acquisition_channel``.
    leads : pd.DataFrame or None
        Requires ``created_at``, ``channel``; None when there is no leads table.
    cutoff : pd.Timestamp
        The as-of moment. Only weeks that end by it are kept (a partial week at
        the cutoff would look like a drop in response), so every row used is
        dated strictly before it.

    Returns
    -------
    pd.DataFrame
        One row per (week, channel), sorted by both, zero-filled: ``week``
        (datetime64[ns], a Monday), ``channel``, ``spend`` (float64), ``leads``
        and ``new_customers`` (int64), ``paid`` (bool: the channel has spend
        rows). Weeks run from the first week with data in any table; channels
        are the union over all three tables.
    """
    require_columns(spend, ("week", "channel", "spend"), "spend")
    require_columns(customers, ("acquired_at", "acquisition_channel"), "customers")
    if leads is not None:
        require_columns(leads, ("created_at", "channel"), "leads")
    # The week containing the cutoff is partial (or starts at it), so the panel ends before it.
    end_ns = int(monday_ns(np.array([pd.Timestamp(cutoff).as_unit("ns").value]))[0])
    spend_weeks = _weekly(spend["week"], spend["channel"], end_ns, spend["spend"])
    new_customers = _weekly(customers["acquired_at"], customers["acquisition_channel"], end_ns)
    lead_counts = (
        _weekly(leads["created_at"], leads["channel"], end_ns) if leads is not None else None
    )
    parts = {"spend": spend_weeks, "leads": lead_counts, "new_customers": new_customers}
    present = [part for part in parts.values() if part is not None]
    index = _panel_index(present, end_ns)
    panel = pd.DataFrame(
        {
            name: _dense(part, index, np.float64 if name == "spend" else np.int64)
            for name, part in parts.items()
        },
        index=index,
    ).reset_index()
    paid_channels = spend_weeks.index.get_level_values("channel").unique()
    return panel.assign(paid=panel["channel"].isin(paid_channels))[list(PANEL_COLUMNS)]


def _weekly(
    stamps: pd.Series, channels: pd.Series, end_ns: int, values: pd.Series | None = None
) -> pd.Series:
    """Sum `values` (or count rows) per (Monday, channel) over rows before `end_ns`."""
    stamp_ns = datetime_ns(stamps)
    keep = stamps.notna().to_numpy(dtype=bool) & (stamp_ns < end_ns)
    keys = pd.DataFrame(
        {
            "week": monday_ns(stamp_ns[keep]).view("datetime64[ns]"),
            "channel": channels.to_numpy()[keep],
        }
    ).astype({"channel": "str"})
    if values is None:
        return keys.groupby(["week", "channel"], sort=True).size()
    totals = keys.assign(value=values.to_numpy(dtype=np.float64)[keep])
    return totals.groupby(["week", "channel"], sort=True)["value"].sum()


def _panel_index(parts: list[pd.Series], end_ns: int) -> pd.MultiIndex:
    """Every Monday from the first week with data to the last full week, times every channel."""
    weeks = [part.index.get_level_values("week") for part in parts if len(part)]
    channels = [part.index.get_level_values("channel") for part in parts]
    channel_names = sorted(set().union(*(set(names) for names in channels)))
    if not weeks:
        return pd.MultiIndex.from_arrays(
            [pd.DatetimeIndex([], dtype="datetime64[ns]"), pd.Index([], dtype="str")],
            names=["week", "channel"],
        )
    first = min(week.min() for week in weeks)
    mondays = pd.date_range(first, pd.Timestamp(end_ns - WEEK_NS), freq="7D", unit="ns")
    return pd.MultiIndex.from_product(
        [mondays, pd.Index(channel_names, dtype="str")], names=["week", "channel"]
    )


def _dense(part: pd.Series | None, index: pd.MultiIndex, dtype: type[np.generic]) -> np.ndarray:
    """`part` on the full panel index, zero where it has no row."""
    if part is None:
        return np.zeros(len(index), dtype=dtype)
    return part.reindex(index, fill_value=0).to_numpy(dtype=dtype)
