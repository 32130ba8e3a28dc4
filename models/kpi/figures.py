"""The SHAP summary figure of the KPI outcome model (matplotlib, no global pyplot state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def shap_summary_figure(
    shap_values: pd.DataFrame, kpis: pd.DataFrame, weights: pd.Series, random_state: int = 0
) -> Figure:
    """Draw one row of points per KPI: held-out SHAP value, coloured by the KPI's value.

    Parameters
    ----------
    shap_values : pandas.DataFrame
        Held-out SHAP values of the within-team model, one column per KPI.
    kpis : pandas.DataFrame
        The KPI values of the same rows and columns.
    weights : pandas.Series
        Suggested weight per KPI; rows are ordered by it, then by mean |SHAP|.
    random_state : int
        Seed of the vertical jitter, so the figure is the same on every run.

    Returns
    -------
    matplotlib.figure.Figure
        A figure not registered with pyplot; save it with ``savefig``.
    """
    order = pd.DataFrame({"weight": weights.reindex(shap_values.columns).fillna(0.0),
                          "importance": shap_values.abs().mean()})
    order = order.sort_values(["weight", "importance"], ascending=True)
    rng = np.random.default_rng(random_state)
    figure = Figure(figsize=(8.0, 0.5 * len(order) + 1.5))
    axes = figure.add_subplot()
    for row, kpi in enumerate(order.index):
        values = kpis[kpi].rank(pct=True).to_numpy(dtype=np.float64)
        jitter = row + rng.uniform(-0.3, 0.3, len(values))
        points = axes.scatter(shap_values[kpi], jitter, c=np.nan_to_num(values, nan=0.5),
                              cmap="coolwarm", vmin=0.0, vmax=1.0, s=8, alpha=0.7,
                              linewidths=0)
    axes.axvline(0.0, color="grey", linewidth=0.8)
    axes.set_yticks(range(len(order)),
                    [f"{kpi} (w={order.loc[kpi, 'weight']:.2f})" for kpi in order.index])
    axes.set_xlabel("held-out SHAP value, within teams (effect on the next quarter's outcome)")
    axes.set_title("What leads to value: KPI effects, coloured by KPI level (red = high)")
    if len(order):
        figure.colorbar(points, ax=axes, label="KPI percentile")
    figure.tight_layout()
    return figure
