"""Funnel rates per channel and team, and per-channel P(convert) with a Wilson interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features._checks import DAY_SECONDS, require_columns

FUNNEL_LEVELS = ("channel", "team")
WILSON_Z = 1.959963984540054  # 95%


def _reached(leads: pd.DataFrame, column: str, cutoff: pd.Timestamp, window: pd.Timedelta
             ) -> pd.Series:
    """Whether each lead reached a milestone within the window and before the cutoff."""
    if column not in leads.columns:
        return pd.Series(np.nan, index=leads.index)
    at = leads[column]
    return ((at < cutoff) & (at - leads["created_at"] <= window)).astype("float64")


def _funnel_flags(closed: pd.DataFrame, cutoff: pd.Timestamp, window: pd.Timedelta
                  ) -> pd.DataFrame:
    """Per lead: MQL, SQL-after-MQL, SQL, won-after-SQL (1/0/NaN) and days to convert."""
    mql, sql = (_reached(closed, column, cutoff, window) for column in ("mql_at", "sql_at"))
    won = _reached(closed, "converted_at", cutoff, window)
    days = pd.Series(np.nan, index=closed.index)
    if "converted_at" in closed.columns:
        days = (closed["converted_at"] - closed["created_at"]).dt.total_seconds() / DAY_SECONDS
    return pd.DataFrame({"mql": mql, "sql_of_mql": sql * mql, "sql": sql,
                         "won_of_sql": won * sql, "days": days.where(won == 1)})


def _rate(hits: pd.Series, trials: pd.Series) -> pd.Series:
    return (hits / trials.where(trials > 0)).astype("float64")


def funnel_metrics(leads: pd.DataFrame, cutoff: pd.Timestamp, window_days: float) -> pd.DataFrame:
    """MQL->SQL rate, SQL->won rate and median days to convert, per channel and per team.

    Only leads whose window closed by the cutoff count, so young leads do not drag the
    rates down. A milestone counts when it happened within `window_days` of creation.

    Parameters
    ----------
    leads : pd.DataFrame
        Requires ``lead_id``, ``created_at``, ``channel``; uses ``team``, ``mql_at``,
        ``sql_at`` and ``converted_at`` when present (rates are NaN without them).
    cutoff : pd.Timestamp
        The as-of moment (exclusive).
    window_days : float
        The conversion window.

    Returns
    -------
    pd.DataFrame
        ``level`` (channel or team), ``key``, ``leads``, ``mql_to_sql_rate`` (SQLs among
        MQLs / MQLs), ``sql_to_won_rate`` (converted among SQLs / SQLs) and
        ``median_days_to_convert``; sorted by level then key.
    """
    require_columns(leads, ("lead_id", "created_at", "channel"), "leads")
    window = pd.Timedelta(days=window_days)
    closed = leads.loc[leads["created_at"] <= pd.Timestamp(cutoff) - window]
    flags = _funnel_flags(closed, pd.Timestamp(cutoff), window)
    frames = []
    for level in FUNNEL_LEVELS:
        if level not in closed.columns:
            continue
        grouped = flags.groupby(closed[level].astype("str"), sort=True)
        sums = grouped.sum(min_count=1)
        frames.append(pd.DataFrame({
            "level": level,
            "key": sums.index.to_numpy(),
            "leads": grouped.size().to_numpy(),
            "mql_to_sql_rate": _rate(sums["sql_of_mql"], sums["mql"]).to_numpy(),
            "sql_to_won_rate": _rate(sums["won_of_sql"], sums["sql"]).to_numpy(),
            "median_days_to_convert": grouped["days"].median().to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)


def wilson_interval(
    rate: np.ndarray, n: np.ndarray, z: float = WILSON_Z
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion `rate` observed over `n` trials.

    Returns
    -------
    tuple of np.ndarray
        Lower and upper bounds, within [0, 1].
    """
    rate, n = np.asarray(rate, dtype=np.float64), np.asarray(n, dtype=np.float64)
    denominator = 1.0 + z**2 / n
    centre = (rate + z**2 / (2.0 * n)) / denominator
    half = z * np.sqrt(rate * (1.0 - rate) / n + z**2 / (4.0 * n**2)) / denominator
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def channel_conversion(channels: pd.Series, probabilities: np.ndarray) -> pd.DataFrame:
    """Per-channel P(convert): the mean calibrated probability of its leads.

    The interval is the Wilson interval of a conversion rate over that many leads: the
    range the realised rate of such a cohort would fall in (95%).

    Parameters
    ----------
    channels : pd.Series
        Channel of each scored lead.
    probabilities : np.ndarray
        Calibrated P(convert) of each lead, same length.

    Returns
    -------
    pd.DataFrame
        ``channel``, ``p_convert``, ``p_convert_low``, ``p_convert_high``, ``leads``;
        sorted by channel.
    """
    if len(channels) != len(probabilities):
        raise ValueError("channels and probabilities must have one length")
    scored = pd.DataFrame({"channel": channels.astype("str").to_numpy(),
                           "p": np.asarray(probabilities, dtype=np.float64)})
    grouped = scored.groupby("channel", sort=True)["p"].agg(["mean", "size"])
    low, high = wilson_interval(grouped["mean"].to_numpy(), grouped["size"].to_numpy())
    return pd.DataFrame({
        "channel": grouped.index.to_numpy(),
        "p_convert": grouped["mean"].to_numpy(),
        "p_convert_low": low,
        "p_convert_high": high,
        "leads": grouped["size"].to_numpy(),
    })
