"""The payout preview's figure: what each team is paid against the value it created."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from models.figures import BLUE, GREY, INK, new_figure, short


def pay_against_value_figure(table: pd.DataFrame) -> Figure:
    """Scatter total pay against value created, one labelled point per team.

    ``table`` holds ``team``, ``total`` and ``value_created``. A fair plan lines the points up:
    pay rises with value; a point high and to the left is paid for volume, not value.
    """
    figure = new_figure(7.0, 4.5)
    axes = figure.add_subplot()
    axes.scatter(table["value_created"], table["total"], color=BLUE, s=40, zorder=3)
    for row in table.itertuples(index=False):
        axes.annotate(short(str(row.team), 16), (row.value_created, row.total), fontsize=8,
                      color=INK, xytext=(4, 3), textcoords="offset points")
    axes.grid(color=GREY, alpha=0.25)
    axes.set_xlabel("value created this month (predicted lifetime value of customers won)")
    axes.set_ylabel("total pay under the plan")
    axes.set_title("Pay against value created, per team")
    return figure
