"""Media response primitives: geometric adstock and Hill saturation, as pure NumPy functions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def geometric_adstock(spend: ArrayLike, theta: float) -> FloatArray:
    """Carry spend over time with normalised geometric decay.

    ``a_t = theta * a_{t-1} + (1 - theta) * s_t`` with ``a_{-1} = s_0`` (the series starts
    in steady state). Normalisation keeps a constant spend ``s`` at ``a = s``, so the Hill
    half-saturation is in the same units as weekly spend.

    Parameters
    ----------
    spend : array-like of shape (n_weeks,)
        Weekly spend, oldest first.
    theta : float
        Decay in [0, 1): the share of last week's adstock that carries into this week.

    Returns
    -------
    numpy.ndarray
        Adstocked spend, same shape as ``spend``.
    """
    from scipy.signal import lfilter  # 0.8 s to import; the planner's CLI never needs it

    x = np.asarray(spend, dtype=np.float64)
    if not 0.0 <= theta < 1.0:
        raise ValueError(f"theta must be in [0, 1), got {theta}")
    if x.size == 0:
        return x.copy()
    initial = lfilter_initial_state(float(x[0]), theta)
    out, _ = lfilter([1.0 - theta], [1.0, -theta], x, zi=[initial])
    return np.asarray(out, dtype=np.float64)


def lfilter_initial_state(first_value: float, theta: float) -> float:
    """Return the filter state that makes the adstock start at steady state ``first_value``."""
    return theta * first_value


def hill(x: ArrayLike, half_saturation: float, shape: float) -> FloatArray:
    """Hill saturation ``x^S / (x^S + K^S)``, in [0, 1), zero at zero.

    Parameters
    ----------
    x : array-like
        Non-negative (adstocked) spend.
    half_saturation : float
        ``K > 0``: the spend at which half of the maximum response is reached.
    shape : float
        ``S > 0``; ``S > 1`` gives an S-shaped curve, ``S <= 1`` a concave one.
    """
    arr = np.clip(np.asarray(x, dtype=np.float64), 0.0, None)
    ratio = arr / half_saturation
    powered = np.power(ratio, shape)
    return np.asarray(powered / (1.0 + powered), dtype=np.float64)


def hill_derivative(x: ArrayLike, half_saturation: float, shape: float) -> FloatArray:
    """Return the derivative of :func:`hill` with respect to ``x``."""
    arr = np.clip(np.asarray(x, dtype=np.float64), 1e-12, None)
    ratio = arr / half_saturation
    powered = np.power(ratio, shape)
    return np.asarray(shape * powered / (arr * (1.0 + powered) ** 2), dtype=np.float64)
