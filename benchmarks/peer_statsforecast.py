"""The statsforecast side of bench_monitor_peer: prediction intervals and an out-of-band rule.

Runs in its own venv (``.venv-statsforecast``, ``benchmarks/requirements-statsforecast.txt``),
never in the project's: statsforecast caps pandas<3. It does not import channelwise.

Reads ``series.parquet`` (kpi, segment_type, segment, week, value: channelwise's weekly KPI
series of one world) and ``task.json`` (test weeks, refit step, family level, rule); writes
``alerts.parquet`` (channelwise's alert columns), ``intervals.parquet`` (every tested week)
and ``peer.json`` (timings, versions, how many series were fitted).

The recipe, as statsforecast's documentation shows it: AutoETS forecasts with prediction
intervals at a level (Bonferroni-adjusted over the series of a segment type); a week outside
its interval is out of band; ``k`` consecutive out-of-band weeks on the same side raise one
alert. No look-ahead: ``cross_validation`` refits on the expanding history before each cutoff
and forecasts the next ``refit_weeks`` weeks (1 to ``refit_weeks`` steps ahead).
Usage: .venv-statsforecast/bin/python benchmarks/peer_statsforecast.py TASK_DIR
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

KEYS = ["kpi", "segment_type", "segment"]
ALERT_COLUMNS = ["kpi", "segment_type", "segment", "first_week", "raised_week", "last_week",
                 "observed", "expected", "lower", "upper", "direction", "severity"]
MODEL = "AutoETS"


def family_level(interval_level: float, n_series: int) -> float:
    """Two-sided level (in %) giving family-wise ``interval_level`` over ``n_series``."""
    return round(100.0 * (1.0 - (1.0 - interval_level) / max(n_series, 1)), 4)


def regular(series: pd.DataFrame, last_week: pd.Timestamp) -> pd.DataFrame:
    """One series on a full weekly grid to ``last_week``; filled weeks are not tested.

    statsforecast needs gap-free series. Weeks without a value (too few rows behind it, or
    after the series' last value) take the last value before them and ``observed`` = False.
    """
    grid = pd.date_range(series["week"].min(), last_week, freq="7D")
    values = series.set_index("week")["value"].reindex(grid)
    return pd.DataFrame({"ds": grid, "y": values.ffill().to_numpy(),
                         "observed": values.notna().to_numpy()})


def panel(series: pd.DataFrame, min_weeks: int) -> tuple[pd.DataFrame, list[str]]:
    """statsforecast's long frame (unique_id, ds, y, observed) and the ids left out (too short)."""
    last_week = pd.Timestamp(series["week"].max())
    parts, dropped = [], []
    for key, group in series.sort_values("week").groupby(KEYS, sort=True):
        uid = "|".join(str(k) for k in key)
        frame = regular(group, last_week)
        if len(frame) < min_weeks:
            dropped.append(uid)
            continue
        parts.append(frame.assign(unique_id=uid))
    return pd.concat(parts, ignore_index=True), dropped


def intervals(frame: pd.DataFrame, level: float, task: dict[str, Any]) -> pd.DataFrame:
    """Out-of-sample forecasts and intervals of the last ``test_weeks`` weeks of each series."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive
    from statsforecast.utils import ConformalIntervals

    conformal = ConformalIntervals(h=task["refit_weeks"], n_windows=task["conformal_windows"]) \
        if task["intervals"] == "conformal" else None
    model = AutoETS(season_length=task["season_length"], prediction_intervals=conformal)
    sf = StatsForecast(models=[model], freq="7D", n_jobs=1,
                       fallback_model=Naive(prediction_intervals=conformal))
    cv = sf.cross_validation(df=frame[["unique_id", "ds", "y"]], h=task["refit_weeks"],
                             step_size=task["refit_weeks"], test_size=task["test_weeks"],
                             level=[level], refit=True, prediction_intervals=conformal)
    cv = cv.rename(columns={MODEL: "expected", f"{MODEL}-lo-{level}": "lower",
                            f"{MODEL}-hi-{level}": "upper"})
    return cv.merge(frame[["unique_id", "ds", "observed"]], on=["unique_id", "ds"])


def runs(out: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of consecutive True values."""
    padded = np.concatenate([[False], out, [False]]).astype(np.int8)
    edges = np.diff(padded)
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def series_alerts(rows: pd.DataFrame, k: int, merge_weeks: int) -> list[dict[str, Any]]:
    """Alerts of one series' tested weeks (sorted): ``k`` weeks out on one side in a row.

    A run of ``k`` or more consecutive out-of-band weeks on the same side is one alert,
    raised at its ``k``-th week; a new run on the same side starting within
    ``merge_weeks`` weeks of the previous alert's last week extends it. A week filled in
    for a gap is never out of band. Severity: the largest distance outside the interval
    over the alert, in interval half-widths, plus 1.
    """
    found: list[dict[str, Any]] = []
    value, lower, upper = (rows[c].to_numpy(dtype=float) for c in ("y", "lower", "upper"))
    tested = rows["observed"].to_numpy(dtype=bool)
    half = np.maximum((upper - lower) / 2.0, 1e-12)
    for direction, out, excess in (("up", tested & (value > upper), (value - upper) / half),
                                   ("down", tested & (value < lower), (lower - value) / half)):
        alerts: list[list[int]] = []
        for first, last in runs(out):
            if last - first + 1 < k:
                continue
            if alerts and first - alerts[-1][2] - 1 < merge_weeks:
                alerts[-1][2] = last
            else:
                alerts.append([first, first + k - 1, last])
        for first, raised, last in alerts:
            span = rows.iloc[first : last + 1]
            found.append({
                "first_week": span["ds"].iloc[0], "raised_week": rows["ds"].iloc[raised],
                "last_week": span["ds"].iloc[-1], "observed": float(span["y"].mean()),
                "expected": float(span["expected"].mean()),
                "lower": float(span["lower"].mean()), "upper": float(span["upper"].mean()),
                "direction": direction,
                "severity": 1.0 + float(np.nanmax(excess[first : last + 1]))})
    return found


def find_alerts(tested: pd.DataFrame, k: int, merge_weeks: int) -> pd.DataFrame:
    """Alerts of every series, in channelwise's alert columns, most severe first."""
    rows = []
    for uid, group in tested.sort_values("ds").groupby("unique_id", sort=True):
        key = dict(zip(KEYS, str(uid).split("|"), strict=True))
        rows.extend(key | alert for alert in series_alerts(group, k, merge_weeks))
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    return frame.sort_values(["severity", *KEYS], ascending=[False, True, True, True],
                             ignore_index=True)


def main() -> None:
    folder = Path(sys.argv[1])
    task = json.loads((folder / "task.json").read_text())
    series = pd.read_parquet(folder / "series.parquet")
    started = time.perf_counter()
    frame, dropped = panel(series, task["test_weeks"] + task["min_train_weeks"])
    uids = pd.Series(frame["unique_id"].unique())
    family = uids.str.split("|").str[1]
    parts, levels = [], {}
    for segment_type, n_series in family.value_counts().sort_index().items():
        level = family_level(task["interval_level"], int(n_series))
        levels[str(segment_type)] = {"series": int(n_series), "level_percent": level}
        members = frame.loc[frame["unique_id"].isin(uids[family == segment_type])]
        parts.append(intervals(members, level, task))
    tested = pd.concat(parts, ignore_index=True)
    fit_seconds = time.perf_counter() - started
    alerts = find_alerts(tested, task["k"], task["merge_weeks"])
    alerts.to_parquet(folder / "alerts.parquet")
    tested.to_parquet(folder / "intervals.parquet")
    out_of_band = tested["observed"] & ((tested["y"] > tested["upper"])
                                        | (tested["y"] < tested["lower"]))
    (folder / "peer.json").write_text(json.dumps({
        "fit_seconds": round(fit_seconds, 2),
        "rule_seconds": round(time.perf_counter() - started - fit_seconds, 2),
        "series": int(frame["unique_id"].nunique()), "dropped_series": dropped,
        "families": levels, "tested_weeks": int(tested["observed"].sum()),
        "out_of_band_share": float(out_of_band.sum() / max(int(tested["observed"].sum()), 1)),
        "versions": {name: version(name) for name in ("statsforecast", "pandas", "numpy")}},
        indent=2))


if __name__ == "__main__":
    main()
