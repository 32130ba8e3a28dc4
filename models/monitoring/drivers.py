"""Drivers of a deviation: which segments explain it, split into a mix and a rate effect.

For a rate KPI, the deviation of a whole from its expected value is the sum over segments of
``(w1 - w0) * (r0 - R0)`` (mix: the segment's share of rows moved) and ``w1 * (r1 - r0)``
(rate: the segment's own value moved). For a count KPI the segments' deviations simply add.
"""

from __future__ import annotations

import pandas as pd

COUNT_KPIS = frozenset({"leads", "new_customers"})
DRIVER_COLUMNS = ("segment_type", "segment", "weight", "mix", "rate", "contribution", "share")
CONCENTRATED_SHARE = 0.6


def _window(frame: pd.DataFrame, start: pd.Timestamp, stop: pd.Timestamp) -> pd.DataFrame:
    return frame.loc[(frame["week"] >= start) & (frame["week"] <= stop)]


def decompose(bands: pd.DataFrame, kpi: str, segment_type: str, first_week: pd.Timestamp,
              last_week: pd.Timestamp, reference_weeks: int) -> pd.DataFrame:
    """Split one KPI's deviation over the segments of one type into mix and rate effects.

    Parameters
    ----------
    bands : pd.DataFrame
        ``week``, ``kpi``, ``segment_type``, ``segment``, ``value``, ``n``, ``expected``.
    kpi, segment_type : str
        The KPI and the segment type to split over.
    first_week, last_week : pd.Timestamp
        The alert's weeks (observed ``r1``, expected ``r0``, shares ``w1``).
    reference_weeks : int
        Weeks before ``first_week`` whose shares of rows are the expected shares ``w0``.

    Returns
    -------
    pd.DataFrame
        :data:`DRIVER_COLUMNS` sorted by ``share`` (highest first); ``share`` is the
        segment's part of the deviation (:func:`shares`), positive when it pushes the same way.
    """
    rows = bands.loc[(bands["kpi"] == kpi) & (bands["segment_type"] == segment_type)]
    now = _window(rows, first_week, last_week).groupby("segment")
    before = _window(rows, first_week - pd.Timedelta(weeks=reference_weeks),
                     first_week - pd.Timedelta(weeks=1)).groupby("segment")
    frame = pd.DataFrame({"n1": now["n"].sum(), "r1": now["value"].mean(),
                          "r0": now["expected"].mean(), "n0": before["n"].sum()}).fillna(0.0)
    if frame.empty:
        return pd.DataFrame(columns=list(DRIVER_COLUMNS))
    w1 = frame["n1"] / max(frame["n1"].sum(), 1e-12)
    w0 = frame["n0"] / max(frame["n0"].sum(), 1e-12)
    if kpi in COUNT_KPIS:
        mix = pd.Series(0.0, index=frame.index)
        rate = frame["r1"] - frame["r0"]
    else:
        mix = (w1 - w0) * (frame["r0"] - float((w0 * frame["r0"]).sum()))
        rate = w1 * (frame["r1"] - frame["r0"])
    contribution = mix + rate
    share = shares(contribution)
    out = pd.DataFrame({"segment_type": segment_type, "segment": frame.index.astype("str"),
                        "weight": w1.to_numpy(), "mix": mix.to_numpy(), "rate": rate.to_numpy(),
                        "contribution": contribution.to_numpy(), "share": share.to_numpy()})
    return out.sort_values(["share", "segment"], ascending=[False, True],
                           ignore_index=True)[list(DRIVER_COLUMNS)]


def shares(contribution: pd.Series) -> pd.Series:
    """Each segment's part of the contributions that push the way of their sum.

    The denominator is the sum of the contributions with the sum's sign, not the sum itself.
    When all push one way the two are equal. When segments push both ways, e.g. inside a
    channel whose expected leads come from its spend while its teams' come from their own
    history, the sum can be near zero while its parts are not; dividing by it gave shares
    of thousands of percent. This way the shares of the segments that push lie in (0, 1]
    and add to 1, and those that push back are negative and no larger in size.
    """
    total = float(contribution.sum())
    if total == 0.0:
        return contribution * 0.0
    pushing = float(contribution.where(contribution * total > 0, 0.0).sum())
    return contribution / pushing


def rank_drivers(bands: pd.DataFrame, kpi: str, types: list[str], first_week: pd.Timestamp,
                 last_week: pd.Timestamp, reference_weeks: int) -> pd.DataFrame:
    """Decompose over each segment type; rank segments by share minus their share of rows."""
    parts = [decompose(bands, kpi, name, first_week, last_week, reference_weeks)
             for name in types]
    kept = [part for part in parts if not part.empty]
    if not kept:
        return pd.DataFrame(columns=list(DRIVER_COLUMNS))
    ranked = pd.concat(kept, ignore_index=True)
    # A segment holding most rows explains most of any change; rank by share beyond size.
    ranked = ranked.assign(excess=ranked["share"] - ranked["weight"])
    return ranked.sort_values(["excess", "segment_type", "segment"], ascending=[False, True, True],
                              ignore_index=True)[list(DRIVER_COLUMNS)]


def effect_name(row: pd.Series) -> str:
    """``rate``, ``mix`` or ``mix+rate``: the effect(s) carrying at least a third of it."""
    size = abs(row["mix"]) + abs(row["rate"])
    if size == 0:
        return "rate"
    parts = [name for name in ("mix", "rate") if abs(row[name]) >= size / 3]
    return "+".join(parts)


def describe_drivers(ranked: pd.DataFrame, top: int) -> str:
    """One line naming the top segments: ``team=team_03 86% (rate); ...``."""
    shown = ranked.loc[ranked["share"] > 0].head(top)
    return "; ".join(f"{row.segment_type}={row.segment} {row.share:.0%} ({effect_name(row)})"
                     for _, row in shown.iterrows())


def concentration(ranked: pd.DataFrame) -> str:
    """``concentrated in <type>=<segment>`` when one smaller sub-segment explains most of it.

    Concentrated: the top sub-segment carries at least :data:`CONCENTRATED_SHARE` of the
    deviation while holding less than half of the rows; otherwise ``broad``.
    """
    if ranked.empty:
        return "broad"
    top = ranked.iloc[0]
    if top["share"] >= CONCENTRATED_SHARE and top["weight"] < 0.5:
        return f"concentrated in {top['segment_type']}={top['segment']}"
    return "broad"


def top_driver(ranked: pd.DataFrame) -> tuple[str, str] | None:
    """(segment_type, segment) of the highest share, or None when nothing pushes that way."""
    positive = ranked.loc[ranked["share"] > 0]
    if positive.empty:  # ranked is in order of share beyond size
        return None
    return str(positive["segment_type"].iloc[0]), str(positive["segment"].iloc[0])
