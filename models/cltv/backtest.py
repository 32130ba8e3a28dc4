"""Temporal backtest of customer CLTV: train before t0, score as of t0, compare with what came.

Both the LightGBM model and the BG/NBD x Gamma-Gamma baseline are scored on the same
customers with the same metrics (:mod:`models.metrics`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from features.customers import customer_value_in_window
from models.cltv.btyd_predictive import btyd_value_quantiles
from models.cltv.model import CLTVConfig, CLTVModel, Progress, orders_before
from models.cltv.rows import DAYS_PER_UNIT, features_as_of
from models.metrics import value_metrics

# Monte Carlo draws of the baseline's p10/p90, in all: 400 per customer up to 100k customers,
# fewer beyond (at least 100). The baseline's interval coverage averages over every customer,
# so fewer draws each move it little, and the draws were the backtest's largest cost at 450k.
BASELINE_DRAWS = 400
BASELINE_DRAW_BUDGET = 40_000_000
MIN_BASELINE_DRAWS = 100


def baseline_draws(n_customers: int) -> int:
    """Monte Carlo draws per customer for the baseline's interval (see BASELINE_DRAW_BUDGET)."""
    fitting = BASELINE_DRAW_BUDGET // max(n_customers, 1)
    return int(min(BASELINE_DRAWS, max(MIN_BASELINE_DRAWS, fitting)))


def btyd_baseline(
    customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp, config: CLTVConfig
) -> pd.DataFrame:
    """BG/NBD x Gamma-Gamma fitted as of ``as_of``: expected horizon value with p10/p90.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``btyd_value``, ``btyd_p10``, ``btyd_p90``, sorted by customer.
    """
    frame, btyd = features_as_of(customers, orders_before(orders, as_of), as_of,
                                 config.horizon_days, config.random_state, config.max_btyd_rows)
    bounds = btyd_value_quantiles(
        btyd.purchases.params_, None if btyd.spend is None else btyd.spend.params_,
        btyd.mean_order_value, config.horizon_days / DAYS_PER_UNIT,
        frame["frequency"], frame["recency_days"] / DAYS_PER_UNIT,
        frame["T_days"] / DAYS_PER_UNIT, frame["avg_repeat_order_value"],
        quantiles=config.quantiles, n_draws=baseline_draws(len(frame)),
        random_state=config.random_state,
    )
    return pd.DataFrame({
        "customer_id": frame["customer_id"].to_numpy(),
        "btyd_value": frame["btyd_value"].to_numpy(),
        "btyd_p10": bounds[:, 0],
        "btyd_p90": bounds[:, 1],
    })


def backtest_cltv(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    t0: pd.Timestamp,
    config: CLTVConfig,
    progress: Progress | None = None,
    model: CLTVModel | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Fit on data before ``t0``, predict ``[t0, t0 + horizon)``, compare with realised value.

    Parameters
    ----------
    customers, orders : pandas.DataFrame
        As for :meth:`models.cltv.model.CLTVModel.fit`; orders must cover the whole horizon
        after ``t0``.
    t0 : pandas.Timestamp
        The scoring moment.
    config : CLTVConfig
        Model settings.
    progress : callable, optional
        Status callback.
    model : CLTVModel, optional
        An unfitted model to backtest (one on a Dask cluster, say); by default
        ``CLTVModel(config)``.

    Returns
    -------
    tuple of (dict, pandas.DataFrame)
        Metrics (``lightgbm`` and ``btyd`` blocks, plus the set-up) and one row per scored
        customer with ``actual`` and both models' predictions and intervals.
    """
    t0 = pd.Timestamp(t0)
    model = (model if model is not None else CLTVModel(config)).fit(customers, orders, t0,
                                                                      progress)
    scored = model.predict(customers, orders, t0)
    baseline = btyd_baseline(customers, orders, t0, config).drop(columns="btyd_value")
    scored = scored.merge(baseline, on="customer_id", how="left", validate="one_to_one")
    end = t0 + pd.Timedelta(days=config.horizon_days)
    actual = customer_value_in_window(orders, scored["customer_id"], t0, end, config.value_col)
    scored = scored.assign(actual=actual.fillna(0.0).to_numpy())
    y = scored["actual"].to_numpy(dtype=np.float64)
    metrics: dict[str, Any] = {
        "as_of": t0.isoformat(),
        "horizon_days": config.horizon_days,
        "customers": len(scored),
        "training_cutoffs": len(model.cutoffs_),
        "lightgbm": value_metrics(y, scored["predicted_value"], scored["predicted_p10"],
                                  scored["predicted_p90"]),
        "btyd": value_metrics(y, scored["btyd_value"], scored["btyd_p10"], scored["btyd_p90"]),
    }
    return metrics, scored
