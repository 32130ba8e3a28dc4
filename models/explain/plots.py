"""SHAP figures drawn with matplotlib (no pyplot state): beeswarm, bar, dependence, waterfalls.

Every function returns a :class:`matplotlib.figure.Figure`; :func:`models.figures.png_bytes`
renders one to PNG bytes without a software tag, so the same data give the same bytes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from models.explain.tables import (
    Explanation,
    Link,
    dependence_data,
    global_importance,
    sample_rows,
    subset,
)
from models.figures import BLUE, GREY, INK, RED, new_figure, png_bytes, short

if TYPE_CHECKING:
    from matplotlib.axes import Axes

def swarm_offsets(x: np.ndarray, bins: int = 80, width: float = 0.38) -> np.ndarray:
    """Vertical offsets that spread points of similar ``x`` apart: 0, +1, -1, +2 ... per bin."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    span = float(x.max() - x.min()) or 1.0
    binned = np.floor((x - x.min()) / span * (bins - 1)).astype(np.int64)
    order = np.lexsort((x, binned))
    sorted_bins = binned[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_bins)) + 1]
    lengths = np.diff(np.r_[starts, x.size])
    rank = np.arange(x.size) - np.repeat(starts, lengths)
    layer = (rank + 1) // 2 * np.where(rank % 2 == 1, 1, -1)
    offsets = np.empty_like(x)
    offsets[order] = layer / max(1, int(np.abs(layer).max())) * width
    return offsets


def colour_ranks(values: pd.Series) -> np.ndarray:
    """Percentile rank of each value in [0, 1] (NaN stays NaN): low = blue, high = red."""
    return np.asarray(values.rank(pct=True, method="average").to_numpy(dtype=np.float64))


def beeswarm_figure(explanation: Explanation, top: int = 12) -> Figure:
    """One row per top feature: each point a row's SHAP value, coloured by the feature value.

    Categorical features are grey: their codes have no order.
    """
    names = list(global_importance(explanation)["feature"].head(top))
    figure = new_figure(9.0, 0.45 * len(names) + 1.4)
    axes = figure.add_subplot()
    for position, name in enumerate(reversed(names)):
        shap = explanation.values[name].to_numpy(dtype=np.float64)
        y = position + swarm_offsets(shap)
        if name in explanation.categories:
            axes.scatter(shap, y, s=6, c=GREY, linewidths=0, alpha=0.7, rasterized=True)
            continue
        rank = colour_ranks(explanation.features[name])
        known = ~np.isnan(rank)
        axes.scatter(shap[~known], y[~known], s=6, c=GREY, linewidths=0, alpha=0.7)
        axes.scatter(shap[known], y[known], s=6, c=rank[known], cmap="coolwarm", vmin=0, vmax=1,
                     linewidths=0, alpha=0.8)
    axes.axvline(0.0, color=INK, linewidth=0.6)
    axes.set_yticks(range(len(names)), [short(n, 28) for n in reversed(names)])
    axes.set_xlabel(f"SHAP value ({explanation.link.raw_label}); colour: feature value "
                    "low (blue) → high (red), grey = categorical or missing")
    axes.set_title(f"{explanation.model}: SHAP values of {len(explanation.values):,} rows")
    axes.grid(axis="x", alpha=0.3)
    return figure


def bar_figure(importance: pd.DataFrame, model: str, link: Link, top: int = 15) -> Figure:
    """Horizontal bars of mean |SHAP| for the ``top`` features of :func:`global_importance`."""
    table = importance.head(top).iloc[::-1]
    figure = new_figure(8.0, 0.34 * len(table) + 1.2)
    axes = figure.add_subplot()
    axes.barh(range(len(table)), table["mean_abs_shap"], color=BLUE)
    axes.set_yticks(range(len(table)), [short(str(n), 28) for n in table["feature"]])
    for y, (value, share) in enumerate(zip(table["mean_abs_shap"], table["share"], strict=True)):
        axes.text(value, y, f" {value:.3f} ({share:.0%})", va="center", fontsize=8)
    axes.set_xlabel(f"mean |SHAP| ({link.raw_label})")
    axes.set_title(f"{model}: global feature importance")
    axes.margins(x=0.18)
    return figure


def _dependence_panel(axes: Axes, rows: pd.DataFrame, categorical: bool) -> None:
    if categorical:
        labels = sorted(rows["value_label"].unique().tolist())
        x = rows["value_label"].map({label: i for i, label in enumerate(labels)}).to_numpy(
            dtype=np.float64)
        shap = rows["shap"].to_numpy(dtype=np.float64)
        jitter = np.zeros_like(x)
        for i in range(len(labels)):
            jitter[x == i] = swarm_offsets(shap[x == i], width=0.3)
        axes.scatter(x + jitter, shap, s=6, c=BLUE, alpha=0.5, linewidths=0)
        axes.set_xticks(range(len(labels)), [short(str(t), 12) for t in labels], rotation=30,
                        ha="right", fontsize=8)
        return
    known = rows.loc[rows["value"].notna()]
    axes.scatter(known["value"], known["shap"], s=6, c=BLUE, alpha=0.5, linewidths=0)
    if len(known) < len(rows):
        axes.text(0.99, 0.02, f"{len(rows) - len(known):,} missing not shown", ha="right",
                  transform=axes.transAxes, fontsize=7, color=GREY)


def dependence_figure(dependence: pd.DataFrame, explanation: Explanation) -> Figure:
    """Feature value against SHAP value, one panel per feature of :func:`dependence_data`."""
    names = list(dict.fromkeys(dependence["feature"]))
    columns = min(2, max(1, len(names)))
    rows_count = max(1, math.ceil(len(names) / columns))
    figure = new_figure(9.0, 3.0 * rows_count)
    for i, name in enumerate(names):
        axes = figure.add_subplot(rows_count, columns, i + 1)
        rows = dependence.loc[dependence["feature"] == name].reset_index(drop=True)
        _dependence_panel(axes, rows, name in explanation.categories)
        axes.axhline(0.0, color=INK, linewidth=0.5)
        axes.set_title(short(str(name), 40), fontsize=10)
        axes.set_ylabel(f"SHAP ({explanation.link.raw_label})", fontsize=8)
        axes.grid(alpha=0.3)
    figure.suptitle(f"{explanation.model}: dependence of the top features")
    return figure


def waterfall_steps(channel_means: pd.DataFrame, top: int) -> pd.DataFrame:
    """Return the ``top`` features by ``|vs_all|`` and one ``other features`` step."""
    ordered = channel_means.assign(size=channel_means["vs_all"].abs()).sort_values(
        ["size", "feature"], ascending=[False, True])
    head, rest = ordered.head(top), ordered.iloc[top:]
    steps = head.loc[:, ["feature", "vs_all"]]
    if len(rest):
        other = pd.DataFrame({"feature": [f"{len(rest)} other features"],
                              "vs_all": [float(rest["vs_all"].sum())]})
        steps = pd.concat([steps, other], ignore_index=True)
    return steps.reset_index(drop=True)


def _waterfall_panel(axes: Axes, steps: pd.DataFrame, start: float, link: Link) -> None:
    left = start + np.r_[0.0, np.cumsum(steps["vs_all"].to_numpy())[:-1]]
    width = steps["vs_all"].to_numpy()
    y = np.arange(len(steps))[::-1]
    axes.barh(y, width, left=left, color=np.where(width >= 0, RED, BLUE), height=0.7)
    axes.set_yticks(y, [short(str(f), 24) for f in steps["feature"]], fontsize=8)
    axes.axvline(start, color=INK, linewidth=0.6, linestyle=":")
    for yy, x0, w in zip(y, left, width, strict=True):
        axes.text(x0 + w, yy, f" {w:+.2f}", va="center", fontsize=7,
                  ha="left" if w >= 0 else "right")
    ends = np.r_[start, left, left + width]
    low, high = float(ends.min()), float(ends.max())
    pad = 0.35 * (high - low) or 0.1
    axes.set_xlim(low - pad, high + pad)  # room for the labels on both sides
    axes.set_xlabel(link.raw_label, fontsize=8)


def waterfall_figure(
    by_channel: pd.DataFrame, explanation: Explanation, top: int = 6
) -> Figure:
    """Per channel: how each feature moves the channel's mean raw score from the average row.

    ``by_channel`` is :func:`models.explain.tables.group_mean_shap`; bars start at the mean raw
    score of all rows and end at the channel's (red raises, blue lowers).
    """
    channels = list(dict.fromkeys(by_channel["channel"]))
    columns = min(3, max(1, len(channels)))
    rows_count = max(1, math.ceil(len(channels) / columns))
    figure = new_figure(12.0, 2.9 * rows_count + 0.6)
    start = float(np.mean(explanation.raw_score))
    for i, channel in enumerate(channels):
        axes = figure.add_subplot(rows_count, columns, i + 1)
        means = by_channel.loc[by_channel["channel"] == channel]
        _waterfall_panel(axes, waterfall_steps(means, top), start, explanation.link)
        end = start + float(means["vs_all"].sum())
        ratio = _ratio_text(end - start, explanation.link)
        axes.set_title(f"{short(str(channel), 26)}: {ratio}", fontsize=10)
    figure.suptitle(f"{explanation.model}: why each channel differs from the average "
                    f"(mean SHAP vs all rows, {explanation.link.raw_label})")
    return figure


def _ratio_text(gap: float, link: Link) -> str:
    """Describe a gap in raw score: ``×1.8`` for a log link, ``+0.40 log-odds`` otherwise."""
    if link is Link.LOG:
        return f"×{math.exp(gap):.2f} the average"
    return f"{gap:+.2f} {link.raw_label} vs average"


def explanation_figures(
    explanation: Explanation, tables: dict[str, pd.DataFrame], plot_rows: int, seed: int,
    top: int = 12,
) -> dict[str, bytes]:
    """Render the PNG figures of one explanation, keyed by figure name.

    Parameters
    ----------
    explanation : Explanation
        All explained rows; the beeswarm and dependence plots use a seeded sample of
        ``plot_rows`` of them, the bar and waterfalls use every row (via ``tables``).
    tables : dict
        From :func:`models.explain.tables.explanation_tables`.
    plot_rows : int
        Points per beeswarm row and dependence panel.
    seed : int
        Seed of that sample.
    top : int
        Features in the beeswarm and bar charts.

    Returns
    -------
    dict of str to bytes
        ``beeswarm``, ``bar``, ``dependence`` and, with channels, ``waterfalls``.
    """
    sample = subset(explanation, sample_rows(len(explanation.values), plot_rows, seed))
    names = set(tables["dependence"]["feature"])
    figures = {
        "beeswarm": beeswarm_figure(sample, top),
        "bar": bar_figure(tables["importance"], explanation.model, explanation.link, top),
        "dependence": dependence_figure(
            dependence_data(sample, len(names)), sample),
    }
    if "by_channel" in tables:
        figures["waterfalls"] = waterfall_figure(tables["by_channel"], explanation)
    return {name: png_bytes(figure) for name, figure in figures.items()}
