"""Training rows for the CLTV model: the cutoff schedule, BTYD features and window labels.

A row is one customer as of one cutoff: features from orders strictly before the cutoff
(:func:`features.customers.build_customer_features`) plus BTYD statistics fitted as of that
cutoff, and, for training, the value in the label window that follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.customers import build_customer_features, customer_value_in_window
from models.cltv.btyd import BetaGeoModel, GammaGammaModel

DAYS_PER_UNIT = 7.0  # BTYD models are fitted in weeks: parameters stay well scaled
BTYD_FEATURES = ("btyd_purchases", "p_alive", "btyd_spend", "btyd_value")
MIN_REPEATERS = 20  # below this, Gamma-Gamma is not fitted; the mean order value stands in
BTYD_STARTS = 2  # optimiser starts per BTYD fit; one fit per cutoff, so this is per cutoff


@dataclass(frozen=True)
class CutoffPlan:
    """One training cutoff and the length of its label window, in days."""

    cutoff: pd.Timestamp
    window_days: int


@dataclass(frozen=True)
class BTYDFit:
    """BG/NBD and Gamma-Gamma fitted as of one cutoff (Gamma-Gamma None if too few repeaters)."""

    purchases: BetaGeoModel
    spend: GammaGammaModel | None
    mean_order_value: float


def plan_cutoffs(
    first: pd.Timestamp,
    as_of: pd.Timestamp,
    horizon_days: int,
    step_days: int,
    max_cutoffs: int,
    min_history_days: int,
    min_window_days: int,
) -> list[CutoffPlan]:
    """Schedule training cutoffs, latest first, every ``step_days`` back in time.

    Parameters
    ----------
    first, as_of : pandas.Timestamp
        The first observed event and the (exclusive) end of the usable data.
    horizon_days : int
        The value horizon to predict.
    step_days, max_cutoffs : int
        Spacing of the cutoffs and their maximum number.
    min_history_days : int
        Each cutoff has at least this much history before it.
    min_window_days : int
        Shortest label window in the short-history mode.

    Returns
    -------
    list of CutoffPlan
        With at least ``2 * horizon_days`` of history, cutoffs end a full label window
        before ``as_of``. With less, every label window ends at ``as_of`` and is shorter
        than the horizon (at least ``min_window_days``); its value is scaled up to the
        horizon by :func:`window_scale`. Empty when the history is too short for either.
    """
    history = (as_of - first).days
    full = history >= 2 * horizon_days
    latest = as_of - pd.Timedelta(days=horizon_days if full else min_window_days)
    plans = []
    for k in range(max_cutoffs):
        cutoff = (latest - pd.Timedelta(days=k * step_days)).normalize()
        if (cutoff - first).days < min_history_days:
            break
        window = horizon_days if full else min((as_of - cutoff).days, horizon_days)
        plans.append(CutoffPlan(cutoff=cutoff, window_days=int(window)))
    return plans


def _btyd_inputs(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency, recency and T (weeks) from the customer features."""
    return (
        features["frequency"].to_numpy(dtype=np.float64),
        features["recency_days"].to_numpy(dtype=np.float64) / DAYS_PER_UNIT,
        features["T_days"].to_numpy(dtype=np.float64) / DAYS_PER_UNIT,
    )


def fit_btyd(features: pd.DataFrame, random_state: int, max_fit_rows: int | None) -> BTYDFit:
    """Fit BG/NBD on every customer and Gamma-Gamma on the repeaters of a feature frame.

    Parameters
    ----------
    features : pandas.DataFrame
        From :func:`features.customers.build_customer_features`: needs ``frequency``,
        ``recency_days``, ``T_days``, ``avg_order_value``, ``avg_repeat_order_value``
        and ``n_orders``.
    random_state : int
        Seed of the optimiser starts and any subsample.
    max_fit_rows : int or None
        Cap on the customers each model is fitted on.

    Returns
    -------
    BTYDFit
        The fitted models.
    """
    x, t_x, age = _btyd_inputs(features)
    purchases = BetaGeoModel(BTYD_STARTS, max_fit_rows, random_state)
    purchases.fit(x, t_x, age)
    monetary = features["avg_repeat_order_value"].to_numpy(dtype=np.float64)
    repeaters = int(((x > 0) & np.isfinite(monetary) & (monetary > 0)).sum())
    spend = None
    if repeaters >= MIN_REPEATERS:
        spend = GammaGammaModel(BTYD_STARTS, max_fit_rows, random_state)
        spend.fit(x, monetary)
    buyers = features["n_orders"].to_numpy() > 0
    values = features["avg_order_value"].to_numpy(dtype=np.float64)[buyers]
    mean_value = float(values.mean()) if len(values) else 0.0
    return BTYDFit(purchases=purchases, spend=spend, mean_order_value=mean_value)


def btyd_features(features: pd.DataFrame, btyd: BTYDFit, horizon_days: float) -> pd.DataFrame:
    """BTYD statistics per customer for the next ``horizon_days``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``features``: ``btyd_purchases`` (expected purchase days),
        ``p_alive``, ``btyd_spend`` (Gamma-Gamma expected spend per purchase day) and
        ``btyd_value`` (their product: the BG/NBD x Gamma-Gamma prediction).
    """
    x, t_x, age = _btyd_inputs(features)
    purchases = btyd.purchases.expected_purchases(horizon_days / DAYS_PER_UNIT, x, t_x, age)
    if btyd.spend is None:
        spend = np.full(len(x), btyd.mean_order_value)
    else:
        monetary = features["avg_repeat_order_value"].to_numpy(dtype=np.float64)
        spend = btyd.spend.expected_spend(x, monetary)
    return pd.DataFrame(
        {
            "btyd_purchases": purchases,
            "p_alive": btyd.purchases.p_alive(x, t_x, age),
            "btyd_spend": spend,
            "btyd_value": purchases * spend,
        },
        index=features.index,
    )


def rate_features(features: pd.DataFrame) -> pd.DataFrame:
    """Scale-free purchase rate and recency share, which mean the same at any customer age."""
    age = np.maximum(features["T_days"].to_numpy(dtype=np.float64), 1.0)
    return pd.DataFrame(
        {
            "repeat_rate": features["frequency"].to_numpy(dtype=np.float64) / age,
            "recency_share": features["recency_days"].to_numpy(dtype=np.float64) / age,
        },
        index=features.index,
    )


def window_scale(
    features: pd.DataFrame, btyd: BTYDFit, window_days: int, horizon_days: int
) -> np.ndarray:
    """Per-customer factor from a label window's value to the horizon's, under BG/NBD.

    The ratio ``E[X(horizon)] / E[X(window)]`` of each customer's expected purchases bends
    with that customer's probability of having churned, which a flat
    ``horizon / window`` ignores. It is 1 when the window is the horizon.
    """
    if window_days >= horizon_days:
        return np.ones(len(features))
    x, t_x, age = _btyd_inputs(features)
    long = btyd.purchases.expected_purchases(horizon_days / DAYS_PER_UNIT, x, t_x, age)
    short = btyd.purchases.expected_purchases(window_days / DAYS_PER_UNIT, x, t_x, age)
    flat = horizon_days / window_days
    return np.asarray(np.where(short > 1e-12, long / np.maximum(short, 1e-12), flat))


def features_as_of(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    cutoff: pd.Timestamp,
    horizon_days: int,
    random_state: int,
    max_fit_rows: int | None,
) -> tuple[pd.DataFrame, BTYDFit]:
    """Build customer features, BTYD statistics and rates as of ``cutoff``.

    Parameters
    ----------
    customers, orders : pandas.DataFrame
        As for :func:`features.customers.build_customer_features`; only orders strictly
        before ``cutoff`` are used.
    cutoff : pandas.Timestamp
        The as-of moment.
    horizon_days : int
        The horizon of the BTYD expectations.
    random_state : int
        Seed of the BTYD fits.
    max_fit_rows : int or None
        Cap on the customers each BTYD model is fitted on.

    Returns
    -------
    tuple of (pandas.DataFrame, BTYDFit)
        One row per customer acquired before ``cutoff``, sorted by ``customer_id``.
    """
    base = build_customer_features(customers, orders, cutoff)
    btyd = fit_btyd(base, random_state, max_fit_rows)
    return with_btyd(base, btyd, horizon_days), btyd


def with_btyd(base: pd.DataFrame, btyd: BTYDFit, horizon_days: int) -> pd.DataFrame:
    """Add the BTYD statistics and the two scale-free rates to customer features.

    Row-wise given ``btyd``, so a partition of customers gets the same rows as the whole.
    """
    extra = [btyd_features(base, btyd, horizon_days), rate_features(base)]
    return pd.concat([base, *extra], axis=1)


def training_rows(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    plan: CutoffPlan,
    horizon_days: int,
    value_col: str,
    random_state: int,
    max_fit_rows: int | None,
) -> pd.DataFrame:
    """Features as of ``plan.cutoff`` with the label ``target``: the window's value, scaled.

    Returns
    -------
    pandas.DataFrame
        :func:`features_as_of` plus ``cutoff``, ``window_days``, ``window_value`` (the
        realised sum of ``value_col`` in the window) and ``target`` (scaled to the horizon).
    """
    frame, btyd = features_as_of(
        customers, orders, plan.cutoff, horizon_days, random_state, max_fit_rows
    )
    return labelled(frame, orders, btyd, plan, horizon_days, value_col)


def labelled(
    frame: pd.DataFrame, orders: pd.DataFrame, btyd: BTYDFit, plan: CutoffPlan,
    horizon_days: int, value_col: str,
) -> pd.DataFrame:
    """Add the label of ``plan`` to :func:`features_as_of` rows (row-wise given ``btyd``).

    Returns
    -------
    pandas.DataFrame
        ``frame`` plus ``cutoff``, ``window_days``, ``window_value`` and ``target``.
    """
    end = plan.cutoff + pd.Timedelta(days=plan.window_days)
    realised = customer_value_in_window(orders, frame["customer_id"], plan.cutoff, end, value_col)
    realised = realised.fillna(0.0)  # an order without a known margin adds nothing
    scale = window_scale(frame, btyd, plan.window_days, horizon_days)
    return frame.assign(
        cutoff=plan.cutoff,
        window_days=plan.window_days,
        window_value=realised.to_numpy(),
        target=realised.to_numpy() * scale,
    )


def feature_columns(
    frame: pd.DataFrame, exclude: tuple[str, ...], max_levels: int = 50
) -> list[str]:
    """Pick the columns usable as model features.

    Excluded and datetime columns are skipped, and so are text columns with fewer than 2 or
    more than ``max_levels`` distinct values: ids and free text carry no shared signal.
    """
    keep = []
    for name in frame.columns:
        column = frame[name]
        if name in exclude or pd.api.types.is_datetime64_any_dtype(column.dtype):
            continue
        numeric = pd.api.types.is_numeric_dtype(column.dtype)
        if numeric or pd.api.types.is_bool_dtype(column.dtype):
            keep.append(str(name))
        elif 2 <= column.nunique(dropna=True) <= max_levels:
            keep.append(str(name))
    return keep
