"""Alerts: a two-sided CUSUM of each series' standardised errors raises one alert per change.

The error of a week is its band's ``error`` (:func:`models.monitoring.bands.week_errors`):
for rate KPIs the week's events against those expected at the reference rates, for counts
and CAC the (new customers') counts against their expectation, otherwise
``(value - expected) / scale``, each divided by the autocorrelation ``inflation`` so that sums
of errors are calibrated. The threshold is set
so that, under no change, a family of series (one segment type) raises a false alarm about
once per ``false_alarm_weeks`` weeks (Siegmund's approximation, Bonferroni over the family).
An alert lasts while its CUSUM stays above the threshold; a new one on the same side within
``merge_weeks`` extends it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.monitoring.bands import CYCLE_KPIS, SERIES_KEYS

ALERT_COLUMNS = ("kpi", "segment_type", "segment", "first_week", "raised_week", "last_week",
                 "observed", "expected", "lower", "upper", "direction", "severity")
SIEGMUND_SHIFT = 1.166


@dataclass(frozen=True)
class AlertRule:
    """CUSUM rule.

    Attributes
    ----------
    allowance : float
        ``k``: the shift (in robust standard deviations) below which nothing accumulates;
        half the smallest shift worth detecting quickly.
    min_change : float
        An indifference zone: a change of the KPI's expectation by less than this share is
        not worth an alert however certain it is. Each week's allowance grows by
        ``min_change`` times the band's ``unit`` (the standardised size of a 100% change), so
        large segments, whose every small real change is significant, do not alert on it.
    min_cycle_change : float
        The same for the cycle KPIs, as a share of the week's summed lateness: 0.1 means a
        shift of the mean lateness from 0.5 to 0.55, five points of the reference curve.
    min_conversion_change : float
        The same for the total's ``lead_conversion_rate``, as a share of the week's expected
        conversions. The total's rate wanders by a few percent as sales teams have better
        and worse months: certain on its many conversions, but not a change to act on.
    min_segment_conversion_change : float
        The same for every other segment's ``lead_conversion_rate``. A segment has several
        times fewer conversions, so the same wander is less certain there and a smaller zone
        removes it; a larger one would cost the detection of the segment's own changes.
    false_alarm_weeks : float
        Target mean weeks between false alarms within one segment type's series.
    merge_weeks : int
        A new alarm on the same side within this many weeks of the last extends the alert.
    """

    allowance: float = 0.5
    min_change: float = 0.0
    min_cycle_change: float = 0.03
    min_conversion_change: float = 0.05
    min_segment_conversion_change: float = 0.03
    false_alarm_weeks: float = 104.0
    merge_weeks: int = 4


def run_length(threshold: float, allowance: float) -> float:
    """Siegmund's mean weeks to a false alarm of a one-sided CUSUM on N(0, 1) errors."""
    b = threshold + SIEGMUND_SHIFT
    two_k = 2.0 * allowance
    return (math.exp(two_k * b) - two_k * b - 1.0) / (2.0 * allowance**2)


def cusum_threshold(allowance: float, weeks: float) -> float:
    """Smallest threshold whose one-sided mean run length reaches ``weeks`` (bisection)."""
    low, high = 0.0, 1.0
    while run_length(high, allowance) < weeks:
        high *= 2.0
    for _ in range(60):
        middle = (low + high) / 2.0
        low, high = (middle, high) if run_length(middle, allowance) < weeks else (low, middle)
    return high


def family_threshold(rule: AlertRule, n_series: int) -> float:
    """Threshold of one series in a family of ``n_series`` (two sides each)."""
    return cusum_threshold(rule.allowance, 2.0 * n_series * rule.false_alarm_weeks)


def cusum(errors: np.ndarray, allowance: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower CUSUM paths; a week without an error (NaN) carries both over.

    A week can lack an error in the middle of a series (too few rows behind it); dropping
    the evidence gathered so far would delay every alert that spans such a week.
    """
    upper, lower = np.zeros(len(errors)), np.zeros(len(errors))
    slack = np.broadcast_to(np.asarray(allowance, dtype=np.float64), errors.shape)
    up = down = 0.0
    for t, error in enumerate(errors):  # a recursion over one series' weeks
        if not np.isnan(error):
            k = float(slack[t])
            up, down = max(0.0, up + error - k), max(0.0, down - error - k)
        upper[t], lower[t] = up, down
    return upper, lower


def episodes(path: np.ndarray, threshold: float, merge_weeks: int,
             ) -> list[tuple[int, int, int, float]]:
    """(first, raised, last, peak) of each alarm of one CUSUM path, positions in week order.

    ``first`` is the week after the path last stood at zero before the alarm (the change's
    estimated start); the alert lasts while the path stays above the threshold.
    """
    found: list[tuple[int, int, int, float]] = []
    t = 0
    while t < len(path):
        if path[t] <= threshold:
            t += 1
            continue
        zeros = np.flatnonzero(path[:t] == 0.0)
        first = int(zeros[-1]) + 1 if len(zeros) else 0
        stop = t
        while stop + 1 < len(path) and path[stop + 1] > threshold:
            stop += 1
        peak = float(path[t : stop + 1].max())
        if found and first - found[-1][2] - 1 < merge_weeks:
            old = found[-1]
            found[-1] = (old[0], old[1], stop, max(old[3], peak))
        else:
            found.append((first, t, stop, peak))
        t = stop + 1
    return found


def zone_of(rule: AlertRule, kpi: str, segment_type: str) -> float:
    """Return the indifference zone of a series (see :class:`AlertRule`)."""
    if kpi in CYCLE_KPIS:
        return rule.min_cycle_change
    if kpi == "lead_conversion_rate":
        return rule.min_conversion_change if segment_type == "total" \
            else rule.min_segment_conversion_change
    return rule.min_change


def series_alerts(bands: pd.DataFrame, rule: AlertRule, threshold: float, kpi: str = "",
                  segment_type: str = "") -> list[dict[str, object]]:
    """Alerts of one series' band rows (sorted by week); its keys pick its indifference zone."""
    if "error" in bands:
        errors = bands["error"].to_numpy(dtype=np.float64)
    else:
        spread = bands["scale"] * bands["inflation"]
        errors = ((bands["value"] - bands["expected"]) / spread).to_numpy(dtype=np.float64)
    weeks = bands["week"].to_numpy()
    unit = bands["unit"].fillna(0.0).to_numpy(dtype=np.float64) if "unit" in bands else 0.0
    zone = zone_of(rule, kpi, segment_type)
    upper, lower = cusum(errors, rule.allowance + zone * unit)
    out: list[dict[str, object]] = []
    for path, direction in ((upper, "up"), (lower, "down")):
        for first, raised, last, peak in episodes(path, threshold, rule.merge_weeks):
            span = bands.iloc[first : last + 1]
            out.append({
                "first_week": weeks[first], "raised_week": weeks[raised],
                "last_week": weeks[last], "observed": float(span["value"].mean()),
                "expected": float(span["expected"].mean()),
                "lower": float(span["lower"].mean()), "upper": float(span["upper"].mean()),
                "direction": direction, "severity": peak / threshold})
    return out


def find_alerts(bands: pd.DataFrame, rule: AlertRule) -> pd.DataFrame:
    """Every alert of every series.

    Parameters
    ----------
    bands : pd.DataFrame
        ``week``, ``kpi``, ``segment_type``, ``segment``, ``value``, ``expected``, ``lower``,
        ``upper``, ``scale`` (see :func:`models.monitoring.bands.build_bands`).
    rule : AlertRule
        The CUSUM rule.

    Returns
    -------
    pd.DataFrame
        :data:`ALERT_COLUMNS`, sorted by severity (peak CUSUM over its threshold, highest
        first), then by series.
    """
    rows = []
    ordered = bands.sort_values([*SERIES_KEYS, "week"], kind="stable")
    sizes = ordered.drop_duplicates(["kpi", "segment_type", "segment"]).groupby(
        "segment_type").size().to_dict()
    for key, group in ordered.groupby(list(SERIES_KEYS), sort=True):
        threshold = family_threshold(rule, int(sizes[str(key[1])]))
        for alert in series_alerts(group, rule, threshold, str(key[0]), str(key[1])):
            rows.append(dict(zip(SERIES_KEYS, key, strict=True)) | alert)
    frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    return frame.sort_values(["severity", *SERIES_KEYS, "first_week"],
                             ascending=[False, True, True, True, True], kind="stable",
                             ignore_index=True)


def recent(alerts: pd.DataFrame, last_week: pd.Timestamp, weeks: int) -> pd.DataFrame:
    """Alerts out of band at some point in the ``weeks`` weeks ending with ``last_week``."""
    start = pd.Timestamp(last_week) - pd.Timedelta(weeks=weeks - 1)
    return alerts.loc[alerts["last_week"] >= start].reset_index(drop=True)
