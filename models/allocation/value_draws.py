"""How sure we are of each channel's value per unit of response, as random draws.

A plan's value bands pair each bootstrap set of response curves with one draw of the value
per unit (CLTV, times P(convert) when the curves predict leads), so the bands carry the
uncertainty of both. The CLTV draw is lognormal with the channel's mean and its p10-p90
width; P(convert) is normal on the logit scale with its interval's width. Channels without
an interval keep their point value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import expit, logit

FloatArray = NDArray[np.float64]

Z_P90 = 1.2815515655446004  # the standard normal's 90th percentile
Z_P975 = 1.959963984540054  # and its 97.5th: a 95% interval spans +-Z_P975


def interval_sd(low: FloatArray, high: FloatArray, z: float) -> FloatArray:
    """Return the sd of a normal whose ``[-z, z]`` interval is ``[low, high]``; 0 if unknown."""
    sd = (np.asarray(high, dtype=np.float64) - np.asarray(low, dtype=np.float64)) / (2.0 * z)
    return np.where(np.isfinite(sd) & (sd > 0), sd, 0.0)


def _column(table: pd.DataFrame, channels: list[str], column: str) -> FloatArray:
    """Return a column by channel in `channels` order; NaN where column or channel is missing."""
    if column not in table.columns:
        return np.full(len(channels), np.nan)
    by_channel = table.set_index("channel")[column].astype(np.float64)
    return np.asarray(by_channel.reindex(channels).to_numpy(), dtype=np.float64)


def cltv_draws(
    cltv: pd.DataFrame, channels: list[str], n_draws: int, rng: np.random.Generator
) -> FloatArray:
    """``(n_draws, n_channels)`` lognormal CLTV draws: mean ``cltv_mean``, log-sd from p10/p90."""
    mean = _column(cltv, channels, "cltv_mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = interval_sd(np.log(_column(cltv, channels, "cltv_p10")),
                         np.log(_column(cltv, channels, "cltv_p90")), Z_P90)
    z = rng.standard_normal((n_draws, len(channels)))
    return np.asarray(mean * np.exp(sd * z - sd**2 / 2.0), dtype=np.float64)


def conversion_draws(
    conversion: pd.DataFrame, channels: list[str], n_draws: int, rng: np.random.Generator
) -> FloatArray:
    """``(n_draws, n_channels)`` P(convert) draws, normal on the logit scale."""
    p = np.clip(_column(conversion, channels, "p_convert"), 1e-9, 1 - 1e-9)
    low = np.clip(_column(conversion, channels, "p_convert_low"), 1e-9, 1 - 1e-9)
    high = np.clip(_column(conversion, channels, "p_convert_high"), 1e-9, 1 - 1e-9)
    sd = interval_sd(logit(low), logit(high), Z_P975)
    z = rng.standard_normal((n_draws, len(channels)))
    return np.asarray(expit(logit(p) + sd * z), dtype=np.float64)


def value_per_unit_draws(
    channels: list[str],
    response_unit: str,
    cltv: pd.DataFrame,
    conversion: pd.DataFrame | None,
    n_draws: int,
    seed: int,
) -> FloatArray:
    """Draws of the value of one more unit of response per channel.

    Parameters
    ----------
    channels : list of str
        Paid channels, in plan order.
    response_unit : {"leads", "new_customers"}
        What the curves predict; leads multiply CLTV by P(convert).
    cltv : pandas.DataFrame
        ``channel``, ``cltv_mean`` and, when known, ``cltv_p10`` and ``cltv_p90``.
    conversion : pandas.DataFrame or None
        ``channel``, ``p_convert`` and, when known, ``p_convert_low`` / ``p_convert_high``
        (a 95% interval); required when the response is leads.
    n_draws : int
        Draws, one per bootstrap set of curves.
    seed : int
        Seed of the draws: the same seed gives the same draws.

    Returns
    -------
    FloatArray
        Shape ``(n_draws, len(channels))``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    values = cltv_draws(cltv, channels, n_draws, rng)
    if response_unit == "new_customers":
        return values
    if conversion is None:
        raise ValueError("the curves predict leads, but there is no channel P(convert)")
    return np.asarray(values * conversion_draws(conversion, channels, n_draws, rng))
