"""Predictive value quantiles under BG/NBD x Gamma-Gamma, by Monte Carlo from each posterior.

BTYD models give expectations in closed form but no interval; these draws give the baseline
a p10/p90 so its interval coverage can be compared with the LightGBM model's.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from models.cltv.btyd import bgnbd_p_alive


def _draw_purchases(
    rng: np.random.Generator, params: np.ndarray, t: float, x: np.ndarray, t_x: np.ndarray,
    age: np.ndarray, n_draws: int,
) -> np.ndarray:
    """Future purchase counts, shape (customers, draws), from the BG/NBD posterior.

    Given alive at ``T``: ``lambda ~ Gamma(r + x, alpha + T)`` and ``p ~ Beta(a, b + x)``;
    purchases arrive as Poisson(lambda) until the K-th, K ~ Geometric(p), after which the
    customer is gone.
    """
    r, alpha, a, b = params
    shape = (len(x), n_draws)
    alive = rng.random(shape) < bgnbd_p_alive(params, x, t_x, age)[:, None]
    rate = rng.gamma((r + x)[:, None], 1.0 / (alpha + age)[:, None], size=shape)
    dropout = rng.beta(a, (b + x)[:, None], size=shape)
    arrivals = rng.poisson(rate * t)
    last = rng.geometric(np.clip(dropout, 1e-12, 1.0))
    return np.asarray(np.where(alive, np.minimum(arrivals, last), 0))


def _draw_spend(
    rng: np.random.Generator, counts: np.ndarray, spend_params: np.ndarray | None,
    mean_order_value: float, x: np.ndarray, monetary: np.ndarray,
) -> np.ndarray:
    """Total spend of ``counts`` purchases; Gamma-Gamma posterior on each customer's scale."""
    if spend_params is None:
        return np.asarray(counts * mean_order_value, dtype=np.float64)
    p, q, scale = spend_params
    known = (x > 0) & np.isfinite(monetary)
    x_known, m_known = np.where(known, x, 0.0), np.where(known, monetary, 0.0)
    nu = rng.gamma((q + p * x_known)[:, None], 1.0 / (scale + x_known * m_known)[:, None],
                   size=counts.shape)
    return np.asarray(np.where(counts > 0, rng.gamma(np.maximum(counts * p, 1e-12), 1.0 / nu),
                               0.0))


def btyd_value_quantiles(
    purchase_params: ArrayLike,
    spend_params: ArrayLike | None,
    mean_order_value: float,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary: ArrayLike,
    quantiles: tuple[float, ...] = (0.1, 0.9),
    n_draws: int = 400,
    random_state: int = 0,
    chunk_size: int = 20_000,
) -> np.ndarray:
    """Quantiles of each customer's value over the next ``t`` under BG/NBD x Gamma-Gamma.

    Parameters
    ----------
    purchase_params : array-like
        BG/NBD ``(r, alpha, a, b)``.
    spend_params : array-like or None
        Gamma-Gamma ``(p, q, gamma)``; None spends ``mean_order_value`` per purchase.
    mean_order_value : float
        Spend per purchase when ``spend_params`` is None.
    t : float
        Future period, in the time unit the BG/NBD model was fitted in.
    frequency, recency, T, monetary : array-like
        Repeat purchases, time of the last one, age, and mean repeat spend (NaN if none).
    quantiles : tuple of float
        The quantile levels.
    n_draws : int
        Monte Carlo draws per customer.
    random_state : int
        Seed; the same seed gives the same quantiles.
    chunk_size : int
        Customers simulated at once, bounding memory to ``chunk_size * n_draws`` numbers.

    Returns
    -------
    numpy.ndarray
        Shape ``(customers, len(quantiles))``.
    """
    params = np.asarray(purchase_params, dtype=np.float64)
    spend = None if spend_params is None else np.asarray(spend_params, dtype=np.float64)
    columns = [np.asarray(v, dtype=np.float64) for v in (frequency, recency, T, monetary)]
    rng = np.random.default_rng(random_state)
    out = np.empty((len(columns[0]), len(quantiles)))
    for start in range(0, len(columns[0]), chunk_size):
        x, t_x, age, m = (column[start : start + chunk_size] for column in columns)
        counts = _draw_purchases(rng, params, t, x, t_x, age, n_draws)
        values = _draw_spend(rng, counts, spend, mean_order_value, x, m)
        out[start : start + len(x)] = np.quantile(values, quantiles, axis=1).T
    return out
