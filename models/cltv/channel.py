"""CLTV of a newly acquired customer, per acquisition channel, and each channel's CAC.

A "new customer" model predicts a customer's value over the ``horizon_days`` after the
acquisition day, acquisition order included, from what is known on that day: attributes,
channel and the acquisition-day orders. It learns from every cohort observed for at least
``min_window_days`` (recent, partly observed cohorts get BG/NBD-scaled labels) and is then
averaged over the customers acquired recently, per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from features._checks import DAY_NS, datetime_ns
from features.customers import build_customer_features, customer_codes
from models.cltv.model import CLTVConfig, booster_params, encode, fit_encoded, orders_before
from models.cltv.rows import DAYS_PER_UNIT, feature_columns, fit_btyd
from models.tabular import learn_schema

NOT_FEATURES = ("customer_id", "acquired_at", "observed_days", "window_value", "target")
CHANNEL_COLUMNS = ("channel", "customers", "cltv_mean", "cltv_p10", "cltv_p90")
REPORT_COLUMNS = (*CHANNEL_COLUMNS, "cac", "cltv_to_cac")
# The columns of data/predictions/channel_cltv.csv, which the allocator and scoring read.
SAVED_COLUMNS = ("channel", "cltv_mean", "cltv_p10", "cltv_p90", "customers")


def acquisition_rows(
    customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int,
    value_col: str,
) -> pd.DataFrame:
    """One row per customer acquired before ``as_of``, described as on the acquisition day.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id``, ``acquired_at``, ``acquisition_channel`` and attributes.
    orders : pandas.DataFrame
        ``customer_id``, ``ordered_at`` and ``value_col``; orders from ``as_of`` on are ignored.
    as_of : pandas.Timestamp
        End of the observed data (exclusive).
    horizon_days : int
        Length of the value window that starts on the acquisition day.
    value_col : str
        The value summed, ``revenue`` or ``margin``.

    Returns
    -------
    pandas.DataFrame
        The customer columns plus ``first_day_value`` and ``first_day_orders`` (the
        acquisition day's orders), ``observed_days`` (how much of the window lies before
        ``as_of``) and ``window_value`` (the value in that observed part).
    """
    kept = customers.loc[customers["acquired_at"] < as_of].sort_values("customer_id")
    kept = kept.reset_index(drop=True)
    start = datetime_ns(kept["acquired_at"]) // DAY_NS * DAY_NS  # midnight of that day
    observed = np.minimum((as_of.value - start) / DAY_NS, horizon_days)
    usable = orders_before(orders, as_of)
    owner = customer_codes(usable["customer_id"], pd.Index(kept["customer_id"]))
    known = owner >= 0
    owner = owner[known]
    offset = (datetime_ns(usable["ordered_at"])[known] - start[owner]) / DAY_NS
    value = np.nan_to_num(usable[value_col].to_numpy(dtype=np.float64)[known])  # unknown: 0
    first_day = (offset >= 0) & (offset < 1)
    in_window = (offset >= 0) & (offset < observed[owner])
    n = len(kept)
    return kept.assign(
        first_day_value=np.bincount(owner[first_day], value[first_day], n),
        first_day_orders=np.bincount(owner[first_day], minlength=n).astype(np.float64),
        observed_days=observed,
        window_value=np.bincount(owner[in_window], value[in_window], n),
    )


def scaled_target(rows: pd.DataFrame, new_customer_curve: Any, horizon_days: int) -> np.ndarray:
    """Horizon value: the acquisition day as observed, later value scaled by BG/NBD.

    ``new_customer_curve(t)`` gives a new customer's expected repeat purchases within ``t``
    days; a window observed for ``w`` days has its repeat value multiplied by
    ``curve(horizon) / curve(w)`` (1 for fully observed windows).
    """
    observed = rows["observed_days"].to_numpy(dtype=np.float64)
    first = rows["first_day_value"].to_numpy(dtype=np.float64)
    later = rows["window_value"].to_numpy(dtype=np.float64) - first
    full = np.asarray(new_customer_curve(float(horizon_days)), dtype=np.float64)
    part = np.asarray(new_customer_curve(observed), dtype=np.float64)
    ratio = np.where((observed < horizon_days) & (part > 1e-12), full / np.maximum(part, 1e-12),
                     1.0)
    return np.asarray(first + later * ratio)


@dataclass(frozen=True)
class ChannelSettings:
    """How channel CLTV is estimated: which cohorts train, which are averaged, the interval."""

    min_window_days: int = 90
    recent_days: int = 365
    interval: tuple[float, float] = (0.1, 0.9)


class NewCustomerModel:
    """Value over the horizon of a customer, predicted on the day of acquisition.

    Parameters
    ----------
    config : CLTVConfig, optional
        Horizon, LightGBM settings and seed, shared with :class:`models.cltv.model.CLTVModel`.
    settings : ChannelSettings, optional
        Which cohorts train and the interval quantiles.

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The value model (the configured objective, log link).
    schema_ : TabularSchema
        Feature columns and category levels.
    channel_spread_ : dict of str to dict
        Per channel, training customers ``n`` and the standard deviation ``sd`` of their
        horizon value: the sampling error of a channel mean is ``sd / sqrt(n)``.
    as_of_ : pandas.Timestamp
        End of the training data.
    """

    def __init__(
        self, config: CLTVConfig | None = None, settings: ChannelSettings | None = None
    ) -> None:
        self.config = config
        self.settings = settings

    def fit(
        self, customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp
    ) -> NewCustomerModel:
        """Train on every customer whose first ``min_window_days`` lie before ``as_of``.

        Raises
        ------
        ValueError
            If no customer has been observed long enough.
        """
        config = self.config or CLTVConfig()
        settings = self.settings or ChannelSettings()
        as_of = pd.Timestamp(as_of)
        usable = orders_before(orders, as_of)
        rows = acquisition_rows(customers, usable, as_of, config.horizon_days, config.value_col)
        rows = rows.loc[rows["observed_days"] >= settings.min_window_days]
        if rows.empty:
            raise ValueError(f"no customer acquired {settings.min_window_days}+ days before "
                             f"{as_of.date()}: cannot learn new-customer value")
        btyd = fit_btyd(build_customer_features(customers, usable, as_of),
                        config.random_state, config.max_btyd_rows)

        def curve(days: Any) -> np.ndarray:
            return btyd.purchases.expected_purchases_new(np.asarray(days) / DAYS_PER_UNIT)

        target = scaled_target(rows, curve, config.horizon_days)
        self.schema_ = learn_schema(rows[feature_columns(rows, NOT_FEATURES)])
        self.booster_ = fit_encoded(encode(rows, self.schema_), target, self.schema_,
                                      booster_params(config), config.n_estimators)
        spread = pd.Series(target).groupby(rows["acquisition_channel"].to_numpy())
        self.channel_spread_ = {
            str(channel): {"n": int(group.size), "sd": float(group.std(ddof=1)) if group.size > 1
                           else float("nan")}
            for channel, group in spread
        }
        self.as_of_ = as_of
        return self

    def predict(
        self, customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp
    ) -> pd.DataFrame:
        """Predict each customer's horizon value from the acquisition day alone.

        Returns
        -------
        pandas.DataFrame
            ``customer_id``, ``acquired_at``, ``acquisition_channel``, ``predicted_value``
            for every customer acquired before ``as_of``.
        """
        config = self.config or CLTVConfig()
        rows = acquisition_rows(customers, orders, pd.Timestamp(as_of), config.horizon_days,
                                config.value_col)
        predicted = np.asarray(self.booster_.predict(encode(rows, self.schema_)))
        return pd.DataFrame({
            "customer_id": rows["customer_id"].to_numpy(),
            "acquired_at": rows["acquired_at"].to_numpy(),
            "acquisition_channel": rows["acquisition_channel"].astype("str").to_numpy(),
            "predicted_value": predicted,
        })

    def metadata(self) -> dict[str, Any]:
        """Describe the model for the JSON beside the booster: schema, settings, spread."""
        settings = self.settings or ChannelSettings()
        return {
            "model": "cltv_new_customer",
            "config": (self.config or CLTVConfig()).to_dict(),
            "settings": {"min_window_days": settings.min_window_days,
                         "recent_days": settings.recent_days,
                         "interval": list(settings.interval)},
            "schema": self.schema_.to_dict(),
            "channel_spread": self.channel_spread_,
            "as_of": self.as_of_.isoformat(),
        }


def channel_cltv(
    predictions: pd.DataFrame, spread: dict[str, dict[str, float]], as_of: pd.Timestamp,
    settings: ChannelSettings,
) -> pd.DataFrame:
    """Mean new-customer value per channel over the recent cohorts, with p10/p90.

    Parameters
    ----------
    predictions : pandas.DataFrame
        From :meth:`NewCustomerModel.predict`.
    spread : dict
        :attr:`NewCustomerModel.channel_spread_`.
    as_of : pandas.Timestamp
        End of the data; customers acquired in the ``recent_days`` before it are averaged
        (a channel without recent customers falls back to all of its customers).
    settings : ChannelSettings
        The recent window and the interval quantiles.

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``customers`` (averaged over), ``cltv_mean``, ``cltv_p10``,
        ``cltv_p90``, sorted by channel. The interval is the sampling uncertainty of the
        mean, ``mean + z_q * sd / sqrt(n)``, from the channel's training customers.
    """
    recent = predictions["acquired_at"] >= as_of - pd.Timedelta(days=settings.recent_days)
    missing = ~predictions["acquisition_channel"].isin(
        predictions.loc[recent, "acquisition_channel"])
    cohort = predictions.loc[recent | missing]
    table = cohort.groupby("acquisition_channel")["predicted_value"].agg(["size", "mean"])
    standard_error = np.array([
        spread.get(str(c), {}).get("sd", np.nan) / np.sqrt(spread.get(str(c), {}).get("n", 1))
        for c in table.index
    ])
    low, high = (norm.ppf(q) for q in settings.interval)
    return pd.DataFrame({
        "channel": table.index.astype("str"),
        "customers": table["size"].to_numpy(dtype=np.int64),
        "cltv_mean": table["mean"].to_numpy(),
        "cltv_p10": np.maximum(table["mean"].to_numpy() + low * standard_error, 0.0),
        "cltv_p90": table["mean"].to_numpy() + high * standard_error,
    }).sort_values("channel", ignore_index=True)


def channel_cac(spend: pd.DataFrame, customers: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Compute the acquisition cost per paid channel over the last ``weeks`` weeks.

    Parameters
    ----------
    spend : pandas.DataFrame
        ``week`` (a Monday), ``channel``, ``spend``.
    customers : pandas.DataFrame
        ``acquired_at``, ``acquisition_channel``.
    weeks : int
        How many of the latest spend weeks to use.

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``cac``: spend in those weeks divided by the customers the channel
        acquired in them; NaN when it acquired none. Only channels with spend rows.
    """
    last = np.sort(spend["week"].drop_duplicates().to_numpy())[-weeks:]
    recent = spend.loc[spend["week"].isin(last)]
    start, end = pd.Timestamp(last[0]), pd.Timestamp(last[-1]) + pd.Timedelta(days=7)
    acquired = customers.loc[(customers["acquired_at"] >= start) & (customers["acquired_at"] < end)]
    counts = acquired.groupby("acquisition_channel").size()
    costs = recent.groupby("channel")["spend"].sum()
    won = counts.reindex(costs.index).fillna(0).to_numpy(dtype=np.float64)
    cac = np.divide(costs.to_numpy(), won, out=np.full(len(costs), np.nan), where=won > 0)
    return pd.DataFrame({"channel": costs.index.astype("str"), "cac": cac})


def channel_report(cltv: pd.DataFrame, cac: pd.DataFrame) -> pd.DataFrame:
    """Join channel CLTV and CAC into the ``cltv_by_channel`` report columns.

    Unpaid channels (no CAC row) keep ``cac`` and ``cltv_to_cac`` empty.
    """
    report = cltv.merge(cac, on="channel", how="left")
    report["cltv_to_cac"] = report["cltv_mean"] / report["cac"]
    return report.loc[:, list(REPORT_COLUMNS)]

