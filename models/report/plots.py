"""The report's figures (matplotlib, no pyplot state): frontier, curves, CLTV, leads, KPI weights.

Each function takes stage-output frames and returns a Figure; render it with
:func:`models.figures.png_bytes`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from models.figures import BLUE, GREY, INK, RED, new_figure, short

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
THOUSANDS = FuncFormatter(lambda value, _: f"{value:,.0f}")
COMPACT = FuncFormatter(
    lambda value, _: f"{value / 1e6:g}M" if abs(value) >= 1e6 else
    f"{value / 1e3:g}k" if abs(value) >= 1e3 else f"{value:g}")


def frontier_figure(
    frontier: pd.DataFrame, plan: tuple[float, float], current: tuple[float, float] | None
) -> Figure:
    """Plot expected weekly value along the budget frontier, and how the budget splits.

    Parameters
    ----------
    frontier : pandas.DataFrame
        ``weekly_budget``, ``expected_value`` and ``spend_<channel>`` columns.
    plan : tuple of float
        (weekly budget, expected value) of the recommended plan.
    current : tuple of float or None
        (weekly budget, value) of the current mix, if known.
    """
    figure = new_figure(11.0, 3.8)
    left, right = figure.subplots(1, 2)
    left.plot(frontier["weekly_budget"], frontier["expected_value"], color=BLUE, marker=".",
              label="best plan at each budget")
    left.scatter(*plan, color=RED, marker="D", s=50, zorder=3, label="recommended plan")
    if current is not None:
        left.scatter(*current, color=INK, marker="o", s=40, zorder=3, label="current mix")
    left.set_xlabel("weekly budget")
    left.set_ylabel("expected value per week")
    left.set_title("Efficient frontier")
    left.legend(fontsize=8, loc="lower right")
    spend_columns = [c for c in frontier.columns if str(c).startswith("spend_")]
    stacked = frontier[spend_columns].to_numpy(dtype=np.float64).T
    right.stackplot(frontier["weekly_budget"], stacked, colors=PALETTE[: len(spend_columns)],
                    labels=[short(str(c)[len("spend_"):], 18) for c in spend_columns])
    right.axvline(plan[0], color=RED, linestyle="--", linewidth=1)
    right.set_xlabel("weekly budget")
    right.set_ylabel("weekly spend by channel")
    right.set_title("How the best plan splits the budget")
    right.legend(fontsize=7, loc="upper left", ncols=2)
    for axes in (left, right):
        axes.xaxis.set_major_formatter(THOUSANDS)
        axes.yaxis.set_major_formatter(THOUSANDS)
        axes.grid(alpha=0.3)
    return figure


def response_curves_figure(
    grid: pd.DataFrame, allocation: pd.DataFrame, unit: str
) -> Figure:
    """One panel per paid channel: response against weekly spend with its bootstrap band.

    ``grid`` is :func:`models.report.data.response_grid`; the current spend (black circle)
    and the recommended spend (red diamond) of ``allocation`` are marked on the curve.
    """
    channels = list(dict.fromkeys(grid["channel"]))
    columns = min(3, max(1, len(channels)))
    rows = max(1, math.ceil(len(channels) / columns))
    figure = new_figure(11.0, 2.7 * rows + 0.4)
    marks = allocation.set_index(allocation["channel"].astype(str))
    for i, channel in enumerate(channels):
        axes = figure.add_subplot(rows, columns, i + 1)
        curve = grid.loc[grid["channel"] == channel]
        axes.fill_between(curve["spend"], curve["response_p10"], curve["response_p90"],
                          color=BLUE, alpha=0.18, linewidth=0)
        axes.plot(curve["spend"], curve["response"], color=BLUE)
        if channel in marks.index:
            row = marks.loc[channel]
            for column, style in (("current_weekly_spend", dict(color=INK, marker="o")),
                                  ("recommended_weekly_spend", dict(color=RED, marker="D"))):
                spend = float(row[column])
                level = float(np.interp(spend, curve["spend"], curve["response"]))
                axes.scatter([spend], [level], s=36, zorder=3, **style)  # type: ignore[arg-type]
        axes.set_title(short(str(channel), 30), fontsize=10)
        axes.xaxis.set_major_formatter(COMPACT)
        axes.tick_params(labelsize=8)
        axes.grid(alpha=0.3)
        axes.set_ylabel(f"{unit} / week", fontsize=8)
    figure.suptitle("Response curves (band: bootstrap p10–p90); black circle = current "
                    "spend, red diamond = recommended", fontsize=10)
    return figure


def cltv_figure(cltv: pd.DataFrame) -> Figure:
    """CLTV of a new customer per channel with its p10–p90, and CLTV:CAC beside each bar."""
    table = cltv.sort_values("cltv_mean", ascending=True, ignore_index=True)
    figure = new_figure(9.0, 0.45 * len(table) + 1.3)
    axes = figure.add_subplot()
    y = np.arange(len(table))
    mean = table["cltv_mean"].to_numpy(dtype=np.float64)
    low = mean - table["cltv_p10"].to_numpy(dtype=np.float64)
    high = table["cltv_p90"].to_numpy(dtype=np.float64) - mean
    axes.barh(y, mean, color=BLUE, alpha=0.8, height=0.6)
    axes.errorbar(mean, y, xerr=[np.maximum(low, 0), np.maximum(high, 0)], fmt="none",
                  ecolor=INK, capsize=3, linewidth=1)
    for yy, top, ratio in zip(y, table["cltv_p90"], table["cltv_to_cac"], strict=True):
        label = "unpaid" if not np.isfinite(float(ratio)) else f"CLTV:CAC {float(ratio):.2f}"
        axes.text(float(top), float(yy), f"  {label}", va="center", fontsize=8)
    axes.set_yticks(y, [short(str(c), 24) for c in table["channel"]])
    axes.xaxis.set_major_formatter(THOUSANDS)
    axes.set_xlabel("CLTV of a new customer (bar: mean; whiskers: p10–p90)")
    axes.margins(x=0.22)
    axes.grid(axis="x", alpha=0.3)
    return figure


def leads_figure(reliability: pd.DataFrame | None, gain: pd.DataFrame | None) -> Figure:
    """Reliability (predicted vs observed conversion) and gain (model vs baseline) side by side."""
    figure = new_figure(10.0, 3.8)
    left, right = figure.subplots(1, 2)
    if reliability is not None and len(reliability):
        top = float(max(reliability["mean_predicted"].max(), reliability["observed_rate"].max()))
        left.plot([0, top], [0, top], color=GREY, linestyle="--", label="perfect calibration")
        sizes = 20 + 180 * reliability["count"] / max(float(reliability["count"].max()), 1.0)
        left.scatter(reliability["mean_predicted"], reliability["observed_rate"], s=sizes,
                     color=BLUE, alpha=0.8, label="bins (size = leads)")
        left.legend(fontsize=8, loc="upper left")
    left.set_xlabel("mean predicted P(convert)")
    left.set_ylabel("observed conversion rate")
    left.set_title("Reliability (validation slice)")
    if gain is not None and len(gain):
        for column, colour in (("model", RED), ("baseline", BLUE), ("random", GREY)):
            if column in gain.columns:
                right.plot(gain["fraction_contacted"], gain[column], color=colour, label=column)
        right.legend(fontsize=8, loc="lower right")
    right.set_xlabel("share of leads contacted (highest P first)")
    right.set_ylabel("share of conversions captured")
    right.set_title("Gain (validation slice)")
    for axes in (left, right):
        axes.grid(alpha=0.3)
    return figure


def kpi_weights_figure(weights: pd.DataFrame) -> Figure:
    """Suggested KPI weights as bars with their interval (``weight_low`` to ``weight_high``)."""
    table = weights.iloc[::-1].reset_index(drop=True)
    figure = new_figure(8.0, 0.42 * len(table) + 1.2)
    axes = figure.add_subplot()
    y = np.arange(len(table))
    weight = table["weight"].to_numpy(dtype=np.float64)
    below = np.maximum(weight - table["weight_low"].to_numpy(dtype=np.float64), 0)
    above = np.maximum(table["weight_high"].to_numpy(dtype=np.float64) - weight, 0)
    axes.barh(y, weight, color=BLUE, height=0.6)
    axes.errorbar(weight, y, xerr=[below, above], fmt="none", ecolor=INK, capsize=3)
    axes.set_yticks(y, [short(str(k), 26) for k in table["kpi"]])
    axes.set_xlabel("weight (whiskers: interval)")
    axes.grid(axis="x", alpha=0.3)
    return figure


def kpi_profiles_figure(profiles: pd.DataFrame) -> Figure:
    """Weights of each KPI under every phase column (launch, growth, profit), grouped."""
    names = [c for c in profiles.columns if c != "kpi"]
    table = profiles.iloc[::-1].reset_index(drop=True)
    figure = new_figure(8.0, 0.5 * len(table) + 1.3)
    axes = figure.add_subplot()
    height = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        offset = ((len(names) - 1) / 2 - i) * height  # first profile on top
        axes.barh(np.arange(len(table)) + offset, table[name].to_numpy(dtype=np.float64),
                  height=height, color=PALETTE[i % len(PALETTE)], label=short(str(name), 16))
    axes.set_yticks(np.arange(len(table)), [short(str(k), 26) for k in table["kpi"]])
    axes.set_xlabel("weight")
    axes.legend(fontsize=8, loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    return figure
