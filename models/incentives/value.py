"""The value a team created in a month: the predicted lifetime value of the customers it won."""

from __future__ import annotations

import pandas as pd

from features._checks import require_columns


def value_created(customers: pd.DataFrame, predictions: pd.DataFrame,
                  month: pd.Timestamp) -> pd.Series:
    """Sum of predicted CLTV of the customers each team acquired in ``month``, by team.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id``, ``acquired_at`` and ``team`` (the prepared customers table).
    predictions : pandas.DataFrame
        ``customer_id`` and ``predicted_value`` (stage train_cltv's customer CLTV).
    month : pandas.Timestamp
        The first day of the month.
    """
    require_columns(customers, ("customer_id", "acquired_at", "team"), "customers")
    require_columns(predictions, ("customer_id", "predicted_value"), "customer_cltv")
    start = pd.Timestamp(month).normalize()
    won = customers.loc[(customers["acquired_at"] >= start)
                        & (customers["acquired_at"] < start + pd.DateOffset(months=1)),
                        ["customer_id", "team"]]
    valued = won.merge(predictions[["customer_id", "predicted_value"]], on="customer_id",
                       how="left")
    return valued.groupby("team", observed=True)["predicted_value"].sum().rename(
        "value_created")
