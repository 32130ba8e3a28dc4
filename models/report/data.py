"""Numbers the report derives from stage outputs: plan uplift bands, curve grids, lead reasons.

All inputs are stage outputs (``curves.json``, ``budget_allocation.csv``,
``lead_scores.csv``); nothing here is fitted.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from models.response.uncertainty import CurveSet

UPLIFT_COLUMNS = ["channel", "current_value", "uplift", "uplift_p10", "uplift_p90"]
GRID_COLUMNS = ["channel", "spend", "response", "response_p10", "response_p90"]
REASON_COLUMNS = ["feature", "leads", "share_of_leads", "raising", "lowering", "mean_effect"]
_REASON = re.compile(r"^(?P<feature>[^=]+)=(?P<value>.*) \((?P<effect>[+-]?\d+(?:\.\d+)?)\)$")


def _draw_values(curves: CurveSet, channel: str, spend: np.ndarray) -> np.ndarray:
    """Response of every bootstrap draw of ``channel`` at ``spend``: shape (draws, points)."""
    draws = curves.draws(channel) if curves.bootstrap else [curves.channel(channel)]
    return np.array([np.atleast_1d(d.response(spend)) for d in draws], dtype=np.float64)


def _channel_gains(
    curves: CurveSet, allocation: pd.DataFrame
) -> list[tuple[str, float, float, np.ndarray]]:
    """Per channel with a curve: value at the current spend, uplift (point) and uplift draws."""
    known = {c.channel for c in curves.curves}
    out = []
    for row in allocation.to_dict("records"):
        name = str(row["channel"])
        if name not in known:
            continue
        vpu = float(row["value_per_unit"])
        spend = np.array([row["current_weekly_spend"], row["recommended_weekly_spend"]],
                         dtype=np.float64)
        point = vpu * np.atleast_1d(curves.channel(name).response(spend))
        draws = vpu * _draw_values(curves, name, spend)
        out.append((name, float(point[0]), float(point[1] - point[0]),
                    draws[:, 1] - draws[:, 0]))
    return out


def plan_uplift(curves: CurveSet, allocation: pd.DataFrame) -> pd.DataFrame:
    """Value of the current mix and the plan's uplift per channel, with a bootstrap p10–p90.

    Parameters
    ----------
    curves : CurveSet
        From ``curves.json``.
    allocation : pandas.DataFrame
        ``channel``, ``current_weekly_spend``, ``recommended_weekly_spend``,
        ``value_per_unit`` (``budget_allocation.csv``).

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``current_value`` (value per week at the current spend, point curve),
        ``uplift`` (plan minus current, point curve) and ``uplift_p10``/``uplift_p90`` (over
        the bootstrap curves); channels without a curve are left out.
    """
    rows = [{"channel": name, "current_value": current, "uplift": gain,
             "uplift_p10": float(np.percentile(draws, 10)),
             "uplift_p90": float(np.percentile(draws, 90))}
            for name, current, gain, draws in _channel_gains(curves, allocation)]
    return pd.DataFrame(rows, columns=UPLIFT_COLUMNS)


def total_uplift(curves: CurveSet, allocation: pd.DataFrame) -> dict[str, float]:
    """Total weekly uplift of the plan over the current mix: point, p10 and p90 over draws.

    The band is of the sum across channels within each bootstrap draw, not a sum of the
    per-channel bands.
    """
    gains = _channel_gains(curves, allocation)
    if not gains:
        return {"uplift": 0.0, "uplift_p10": 0.0, "uplift_p90": 0.0}
    draws = np.sum([g[3] for g in gains], axis=0)
    return {"uplift": float(sum(g[2] for g in gains)),
            "uplift_p10": float(np.percentile(draws, 10)),
            "uplift_p90": float(np.percentile(draws, 90))}


def response_grid(
    curves: CurveSet, allocation: pd.DataFrame, history_cap: dict[str, float], points: int = 60
) -> pd.DataFrame:
    """Response curves of the paid channels on a spend grid, with the bootstrap p10–p90.

    The grid runs from 0 to 1.2 times the largest of the channel's history cap, current
    and recommended spend, so both marked points are on the curve.

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``spend``, ``response``, ``response_p10``, ``response_p90``.
    """
    frames = []
    by_channel = allocation.set_index(allocation["channel"].astype(str))
    for curve in curves.curves:
        if not curve.paid:
            continue
        marks = [history_cap.get(curve.channel, 0.0)]
        if curve.channel in by_channel.index:
            row = by_channel.loc[curve.channel].to_dict()
            marks += [float(row["current_weekly_spend"]), float(row["recommended_weekly_spend"])]
        top = 1.2 * max(max(marks), curve.half_saturation, 1.0)
        spend = np.linspace(0.0, top, points)
        draws = _draw_values(curves, curve.channel, spend)
        frames.append(pd.DataFrame({
            "channel": curve.channel, "spend": spend, "response": curve.response(spend),
            "response_p10": np.percentile(draws, 10, axis=0),
            "response_p90": np.percentile(draws, 90, axis=0),
        }))
    if not frames:
        return pd.DataFrame(columns=GRID_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def parse_reason(reason: Any) -> tuple[str, float] | None:
    """Split ``feature=value (+0.12)`` into the feature and its effect; None if it is not one."""
    if not isinstance(reason, str):
        return None
    match = _REASON.match(reason.strip())
    if match is None:
        return None
    return match["feature"], float(match["effect"])


def reason_counts(lead_scores: pd.DataFrame, top: int) -> pd.DataFrame:
    """How often each feature is among a lead's top reasons, and which way it pushes.

    Parameters
    ----------
    lead_scores : pandas.DataFrame
        ``reason_1`` .. ``reason_k`` of ``lead_scores.csv``.
    top : int
        Features kept, most frequent first.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``leads`` (with the feature among their reasons), ``share_of_leads``,
        ``raising`` and ``lowering`` (counts by sign) and ``mean_effect`` (log-odds).
    """
    columns = sorted(c for c in lead_scores.columns if re.fullmatch(r"reason_\d+", str(c)))
    parsed = [parse_reason(value) for c in columns for value in lead_scores[c].tolist()]
    found = pd.DataFrame([p for p in parsed if p is not None], columns=["feature", "effect"])
    if found.empty:
        return pd.DataFrame(columns=REASON_COLUMNS)
    grouped = found.groupby("feature")["effect"]
    table = pd.DataFrame({
        "leads": grouped.size(), "raising": grouped.apply(lambda e: int((e > 0).sum())),
        "lowering": grouped.apply(lambda e: int((e < 0).sum())), "mean_effect": grouped.mean(),
    }).rename_axis("feature").reset_index()
    table["share_of_leads"] = table["leads"] / max(len(lead_scores), 1)
    table = table.sort_values(["leads", "feature"], ascending=[False, True], ignore_index=True)
    return table.head(top).loc[:, REASON_COLUMNS]


def find_run_id(metrics: dict[str, Any] | None) -> str | None:
    """Return the MLflow run id a stage recorded in its metrics JSON, if any.

    Looks for ``mlflow_run_id``, ``run_id`` or ``mlflow.run_id``.
    """
    if not metrics:
        return None
    for key in ("mlflow_run_id", "run_id"):
        if isinstance(metrics.get(key), str):
            return str(metrics[key])
    nested = metrics.get("mlflow")
    if isinstance(nested, dict) and isinstance(nested.get("run_id"), str):
        return str(nested["run_id"])
    return None
