"""Alerts: a KPI series that stays out of its band for ``persistence_weeks`` raises one alert.

Runs on the same side separated by fewer than ``merge_weeks`` in-band weeks belong to the
same alert, so one change gives one alert, not one per week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.monitoring.bands import SERIES_KEYS

ALERT_COLUMNS = ("kpi", "segment_type", "segment", "first_week", "raised_week", "last_week",
                 "observed", "expected", "lower", "upper", "direction", "severity")


@dataclass(frozen=True)
class AlertRule:
    """Persistence rule.

    Attributes
    ----------
    persistence_weeks : int
        Consecutive weeks out of band on one side before an alert is raised.
    merge_weeks : int
        A new run on the same side within this many weeks of the last one extends the alert.
    """

    persistence_weeks: int = 3
    merge_weeks: int = 4


def out_of_band(bands: pd.DataFrame) -> np.ndarray:
    """+1 above ``upper``, -1 below ``lower``, 0 inside or where there is no band."""
    value = bands["value"].to_numpy(dtype=np.float64)
    above = value > bands["upper"].to_numpy(dtype=np.float64)
    below = value < bands["lower"].to_numpy(dtype=np.float64)
    return above.astype(np.int64) - below.astype(np.int64)


def runs(side: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, sign) of each maximal run of equal non-zero values (stop exclusive)."""
    change = np.flatnonzero(np.diff(side) != 0) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(side)]])
    return [(int(a), int(b), int(side[a])) for a, b in zip(starts, stops, strict=True)
            if side[a] != 0]


def episodes(side: np.ndarray, rule: AlertRule) -> list[tuple[int, int, int, int]]:
    """(first, raised, last, sign) of each alert of one series, positions in week order.

    An episode opens on a run of at least ``persistence_weeks``; later runs on the same side
    starting within ``merge_weeks`` of its last out-of-band week extend it.
    """
    found: list[tuple[int, int, int, int]] = []
    for start, stop, sign in runs(side):
        if found and found[-1][3] == sign and start - found[-1][2] - 1 < rule.merge_weeks:
            first, raised, _, _ = found[-1]
            found[-1] = (first, raised, stop - 1, sign)
        elif stop - start >= rule.persistence_weeks:
            found.append((start, start + rule.persistence_weeks - 1, stop - 1, sign))
    return found


def series_alerts(bands: pd.DataFrame, rule: AlertRule) -> list[dict[str, object]]:
    """Alerts of one series' band rows (sorted by week, every week present)."""
    side = out_of_band(bands)
    weeks = bands["week"].to_numpy()
    out: list[dict[str, object]] = []
    for first, raised, last, sign in episodes(side, rule):
        span = bands.iloc[first : last + 1]
        outside = side[first : last + 1] != 0
        gap = (span["value"] - span["expected"]).abs() / span["scale"]
        out.append({
            "first_week": weeks[first], "raised_week": weeks[raised], "last_week": weeks[last],
            "observed": float(span["value"].mean()), "expected": float(span["expected"].mean()),
            "lower": float(span["lower"].mean()), "upper": float(span["upper"].mean()),
            "direction": "up" if sign > 0 else "down",
            "severity": float(gap.to_numpy()[outside].mean())})
    return out


def find_alerts(bands: pd.DataFrame, rule: AlertRule) -> pd.DataFrame:
    """Every alert of every series.

    Parameters
    ----------
    bands : pd.DataFrame
        ``week``, ``kpi``, ``segment_type``, ``segment``, ``value``, ``expected``, ``lower``,
        ``upper``, ``scale`` (see :func:`models.monitoring.bands.build_bands`).
    rule : AlertRule
        The persistence rule.

    Returns
    -------
    pd.DataFrame
        :data:`ALERT_COLUMNS`, sorted by severity (highest first), then by series.
    """
    rows = []
    ordered = bands.sort_values([*SERIES_KEYS, "week"], kind="stable")
    for key, group in ordered.groupby(list(SERIES_KEYS), sort=True):
        for alert in series_alerts(group, rule):
            rows.append(dict(zip(SERIES_KEYS, key, strict=True)) | alert)
    frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    return frame.sort_values(["severity", *SERIES_KEYS, "first_week"],
                             ascending=[False, True, True, True, True], kind="stable",
                             ignore_index=True)


def recent(alerts: pd.DataFrame, last_week: pd.Timestamp, weeks: int) -> pd.DataFrame:
    """Alerts out of band at some point in the ``weeks`` weeks ending with ``last_week``."""
    start = pd.Timestamp(last_week) - pd.Timedelta(weeks=weeks - 1)
    return alerts.loc[alerts["last_week"] >= start].reset_index(drop=True)
