"""Value at risk of an alert: its deviation turned into lifetime value, with the value chain.

A lead is worth ``P(convert) * CLTV`` and a customer ``CLTV``: the pipeline's channel figures
when they exist, else the data's own (365-day revenue of the customers acquired a year
before, and the share of leads converting within the cycle horizon). Positive means lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from features.kpis import value_within_days

if TYPE_CHECKING:
    from features.contract import Dataset

YEAR_DAYS = 365


@dataclass(frozen=True)
class ChannelValues:
    """CLTV and P(convert) per channel, and the averages used for other segments."""

    cltv: dict[str, float]
    p_convert: dict[str, float]
    mean_cltv: float
    mean_p_convert: float

    def of(self, segment_type: str, segment: str) -> tuple[float, float]:
        """(CLTV, P(convert)) of a segment: its channel's, else the averages."""
        if segment_type == "channel":
            return (self.cltv.get(segment, self.mean_cltv),
                    self.p_convert.get(segment, self.mean_p_convert))
        return self.mean_cltv, self.mean_p_convert


def observed_values(data: Dataset, as_of: pd.Timestamp, horizon_days: int) -> ChannelValues:
    """Channel values measured in the data before ``as_of`` (no model needed).

    CLTV: mean revenue in the first 365 days of customers acquired 365-730 days before
    ``as_of``. P(convert): share of leads created 1-2 horizons before it that converted
    within the horizon.
    """
    cut = pd.Timestamp(as_of)
    year = pd.Timedelta(days=YEAR_DAYS)
    people = data.customers.loc[(data.customers["acquired_at"] >= cut - 2 * year)
                                & (data.customers["acquired_at"] < cut - year)]
    orders = data.orders.loc[data.orders["ordered_at"] < cut]
    value = pd.Series(value_within_days(people.assign(customer_id=people["customer_id"].astype(
        "str")), orders.assign(customer_id=orders["customer_id"].astype("str")), YEAR_DAYS),
        index=people["acquisition_channel"].astype("str").to_numpy())
    cltv = value.groupby(level=0).mean()
    p_convert = pd.Series(dtype="float64")
    if data.leads is not None and "converted_at" in data.leads.columns:
        span = pd.Timedelta(days=horizon_days)
        leads = data.leads.loc[(data.leads["created_at"] >= cut - 2 * span)
                               & (data.leads["created_at"] < cut - span)]
        won = (leads["converted_at"] - leads["created_at"]) <= span
        p_convert = won.groupby(leads["channel"].astype("str").to_numpy()).mean()
    return ChannelValues(
        cltv={str(k): float(v) for k, v in cltv.items()},
        p_convert={str(k): float(v) for k, v in p_convert.items()},
        mean_cltv=float(value.mean()) if len(value) else 0.0,
        mean_p_convert=float(p_convert.mean()) if len(p_convert) else 0.0)


def with_pipeline_values(base: ChannelValues, cltv: pd.DataFrame | None,
                         conversion: pd.DataFrame | None) -> ChannelValues:
    """Override the observed values with the pipeline's channel CLTV and P(convert)."""
    values = dict(base.cltv)
    rates = dict(base.p_convert)
    if cltv is not None:
        values |= dict(zip(cltv["channel"].astype("str"), cltv["cltv_mean"].astype(float),
                           strict=True))
    if conversion is not None:
        rates |= dict(zip(conversion["channel"].astype("str"),
                          conversion["p_convert"].astype(float), strict=True))
    return ChannelValues(values, rates, base.mean_cltv, base.mean_p_convert)


def value_at_risk(kpi: str, observed: float, expected: float, volume: float,
                  cltv: float, p_convert: float) -> float:
    """Lifetime value lost over the alert's weeks (negative when the change helps).

    Parameters
    ----------
    kpi : str
        The alerting KPI.
    observed, expected : float
        Its mean observed and expected value over the alert's weeks.
    volume : float
        The rows behind the KPI summed over those weeks: leads for the lead KPIs, active
        customers for churn, new customers for CAC and early value; weeks for counts.
    cltv, p_convert : float
        The segment's value of a customer and its lead conversion probability.
    """
    gap = expected - observed
    if kpi == "lead_conversion_rate":
        return volume * gap * cltv
    if kpi == "churn_rate":
        return -volume * gap * cltv
    if kpi in ("conversion_cycle_days", "mql_to_sql_cycle_days"):
        # Each converting lead's value arrives |gap| days later: that share of a year is lost.
        return -volume * p_convert * cltv * gap / YEAR_DAYS
    if kpi == "leads":
        return volume * gap * p_convert * cltv
    if kpi == "new_customers":
        return volume * gap * cltv
    if kpi == "cac":
        return -volume * gap
    if kpi == "new_customer_value":
        return volume * cltv * (gap / expected if expected else 0.0)
    return 0.0
