"""Buy-till-you-die baselines: the BG/NBD purchase model and the Gamma-Gamma spend model.

Both are implemented here with scipy rather than taken from a package: ``lifetimes`` is
unmaintained and no longer imports on current pandas and setuptools, and its successors
(``pymc-marketing``, ``btydplus``) pull in a probabilistic-programming stack for what is a
four-parameter maximum-likelihood fit. The likelihoods follow Fader, Hardie & Lee (2005),
"Counting your customers the easy way" and "RFM and CLV", and are fitted by L-BFGS-B on
log-parameters from several starts. Time is in whatever unit the caller uses consistently.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

from models.cltv.btyd_gradient import (
    bgnbd_log_likelihood_and_gradient,
    bgnbd_terms,
    gamma_gamma_log_likelihood_and_gradient,
)

_LOG_BOUND = 12.0  # parameters stay within exp(+-12); beyond it the likelihood is flat


def _as_float(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def bgnbd_log_likelihood(
    params: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Log-likelihood of each customer under BG/NBD.

    Parameters
    ----------
    params : array-like of 4 floats
        ``(r, alpha, a, b)``, all positive.
    frequency, recency, T : array-like
        Repeat purchases ``x``, time of the last purchase ``t_x`` and age ``T``, both
        measured from the first purchase.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.
    """
    return bgnbd_terms(params, _as_float(frequency), _as_float(recency), _as_float(T)).values


def bgnbd_p_alive(
    params: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Probability that each customer is still active at age ``T`` under BG/NBD.

    Parameters
    ----------
    params : array-like of 4 floats
        ``(r, alpha, a, b)``.
    frequency, recency, T : array-like
        ``x``, ``t_x`` and ``T`` as in :func:`bgnbd_log_likelihood`.

    Returns
    -------
    numpy.ndarray
        Values in (0, 1]; exactly 1 for customers without repeat purchases.
    """
    r, alpha, a, b = (float(v) for v in np.asarray(params, dtype=np.float64))
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    repeat = x > 0
    safe_b = np.where(repeat, b + x - 1.0, 1.0)
    log_odds = np.log(a) - np.log(safe_b) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    return np.asarray(np.where(repeat, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0))


def bgnbd_expected_purchases(
    params: ArrayLike, t: float | ArrayLike, frequency: ArrayLike, recency: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """Compute expected purchases in the next ``t`` time units, given each history.

    Parameters
    ----------
    params : array-like of 4 floats
        ``(r, alpha, a, b)``.
    t : float or array-like
        Length of the future period, broadcast against the customers.
    frequency, recency, T : array-like
        ``x``, ``t_x`` and ``T`` as in :func:`bgnbd_log_likelihood`.

    Returns
    -------
    numpy.ndarray
        Non-negative expected counts; zero when ``t`` is zero.

    Notes
    -----
    Equation (10) of Fader, Hardie & Lee (2005) with the Euler transformation
    ``2F1(r+x, b+x; a+b+x-1; z) (1-z)^(r+x) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``,
    whose parameters no longer grow with ``x``, so scipy's ``hyp2f1`` stays accurate.
    """
    r, alpha, a, b = (float(v) for v in np.asarray(params, dtype=np.float64))
    if abs(a - 1.0) < 1e-7:  # the closed form is 0/0 at a == 1
        a = 1.0 + 1e-7
    x, age, horizon = _as_float(frequency), _as_float(T), _as_float(t)
    z = horizon / (alpha + age + horizon)
    head = (a + b + x - 1.0) / (a - 1.0)
    body = 1.0 - (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    p_alive = bgnbd_p_alive((r, alpha, a, b), x, recency, age)
    return np.asarray(np.maximum(head * body * p_alive, 0.0))


def bgnbd_expected_purchases_new(params: ArrayLike, t: float | ArrayLike) -> np.ndarray:
    """Compute expected repeat purchases within ``t`` of a first purchase.

    Parameters
    ----------
    params : array-like of 4 floats
        ``(r, alpha, a, b)``.
    t : float or array-like
        Time since the first purchase.

    Returns
    -------
    numpy.ndarray
        Equation (9) of Fader, Hardie & Lee (2005).
    """
    return bgnbd_expected_purchases(params, t, np.zeros_like(_as_float(t)), 0.0, 0.0)


def gamma_gamma_log_likelihood(
    params: ArrayLike, frequency: ArrayLike, monetary: ArrayLike
) -> np.ndarray:
    """Log-likelihood of each customer's mean repeat spend under Gamma-Gamma.

    Parameters
    ----------
    params : array-like of 3 floats
        ``(p, q, gamma)``, all positive.
    frequency : array-like
        Repeat purchases ``x`` (positive).
    monetary : array-like
        Mean spend per repeat purchase ``m`` (positive).

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer (density of the mean, Fader, Hardie & Lee 2005b).
    """
    p, q, scale = (float(v) for v in np.asarray(params, dtype=np.float64))
    x, m = _as_float(frequency), _as_float(monetary)
    px = p * x
    return np.asarray(
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(scale)
        + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * np.log(scale + m * x)
    )


def gamma_gamma_expected_spend(
    params: ArrayLike, frequency: ArrayLike, monetary: ArrayLike
) -> np.ndarray:
    """Compute expected spend per purchase given ``x`` repeat purchases of mean ``m``.

    Parameters
    ----------
    params : array-like of 3 floats
        ``(p, q, gamma)`` with ``q > 1``.
    frequency, monetary : array-like
        ``x`` and ``m``; where ``x`` is 0 or ``m`` is missing the population mean
        ``p gamma / (q - 1)`` is returned.

    Returns
    -------
    numpy.ndarray
        A weighted mean of the population mean and the customer's own mean.
    """
    p, q, scale = (float(v) for v in np.asarray(params, dtype=np.float64))
    x, m = _as_float(frequency), _as_float(monetary)
    known = (x > 0) & np.isfinite(m)
    x, m = np.where(known, x, 0.0), np.where(known, m, 0.0)
    return np.asarray(p * (scale + x * m) / (p * x + q - 1.0))


def _compress(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Return the unique rows of the stacked columns and how often each occurs."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(np.float64)


def _subsample(n: int, max_rows: int | None, random_state: int) -> np.ndarray:
    """Row positions to fit on: all, or a seeded uniform sample of ``max_rows``."""
    if max_rows is None or n <= max_rows:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=max_rows, replace=False))


def _fit_log_params(
    objective: object, starts: np.ndarray
) -> tuple[np.ndarray, float]:
    """Minimise ``objective(log_params)`` (its value and gradient) from each start.

    Returns the best optimum's log-parameters and value.
    """
    best_x, best_value = starts[0], np.inf
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * starts.shape[1]
    for start in starts:
        result = minimize(objective, start, method="L-BFGS-B", jac=True, bounds=bounds)
        if np.isfinite(result.fun) and result.fun < best_value:
            best_x, best_value = result.x, float(result.fun)
    if not np.isfinite(best_value):
        raise ValueError("the likelihood is not finite at any start; check the inputs")
    return np.asarray(best_x), best_value


def _starts(base: list[float], n_starts: int, random_state: int) -> np.ndarray:
    """Return the base start (log scale) and ``n_starts - 1`` seeded jitters of it."""
    rng = np.random.default_rng(random_state)
    centre = np.log(np.asarray(base))
    jitter = rng.normal(0.0, 1.0, size=(max(n_starts, 1) - 1, len(base)))
    return np.vstack([centre, centre + jitter])


def _check_rfm(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> list[np.ndarray]:
    """Validate BTYD summaries: equal lengths, finite, non-negative, recency <= T."""
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    if not x.shape == t_x.shape == age.shape or x.ndim != 1:
        raise ValueError("frequency, recency and T must be 1-D arrays of equal length")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(age).all()):
        raise ValueError("frequency, recency and T must be finite")
    if (x < 0).any() or (t_x < 0).any() or (t_x > age + 1e-9).any():
        raise ValueError("need frequency >= 0 and 0 <= recency <= T")
    return [x, t_x, age]


class BetaGeoModel:
    """BG/NBD: Poisson purchases while alive, geometric dropout after each purchase.

    Parameters
    ----------
    n_starts : int
        Optimiser starts: one fixed, the others seeded jitters of it.
    max_fit_rows : int or None
        Fit on a seeded uniform sample of this many customers when there are more; the
        four parameters are pinned down long before a million rows.
    random_state : int
        Seed of the jittered starts and of the sample.

    Attributes
    ----------
    params_ : numpy.ndarray
        ``(r, alpha, a, b)``.
    log_likelihood_ : float
        Mean log-likelihood per fitted customer at the optimum.
    """

    def __init__(
        self, n_starts: int = 4, max_fit_rows: int | None = 200_000, random_state: int = 0
    ) -> None:
        self.n_starts = n_starts
        self.max_fit_rows = max_fit_rows
        self.random_state = random_state

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BetaGeoModel:
        """Estimate ``(r, alpha, a, b)`` by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase and age, per customer; the times
            are measured from the first purchase.

        Returns
        -------
        BetaGeoModel
            self, fitted.
        """
        columns = _check_rfm(frequency, recency, T)
        rows = _subsample(len(columns[0]), self.max_fit_rows, self.random_state)
        (x, t_x, age), weights = _compress([column[rows] for column in columns])
        total = weights.sum()

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            params = np.exp(log_params)
            values, gradient = bgnbd_log_likelihood_and_gradient(params, x, t_x, age)
            return float(-(weights * values).sum() / total), -(weights @ gradient) * params / total

        scale = max(float(np.mean(age)), 1e-3)
        starts = _starts([1.0, scale, 1.0, 1.0], self.n_starts, self.random_state)
        best, value = _fit_log_params(objective, starts)
        self.params_ = np.exp(best)
        self.log_likelihood_ = -value
        return self

    def expected_purchases(
        self, t: float | ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Compute expected purchases in the next ``t``; see :func:`bgnbd_expected_purchases`."""
        return bgnbd_expected_purchases(self.params_, t, frequency, recency, T)

    def expected_purchases_new(self, t: float | ArrayLike) -> np.ndarray:
        """Compute expected repeat purchases within ``t`` of a first purchase."""
        return bgnbd_expected_purchases_new(self.params_, t)

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Probability each customer is still active; see :func:`bgnbd_p_alive`."""
        return bgnbd_p_alive(self.params_, frequency, recency, T)


class GammaGammaModel:
    """Gamma-Gamma: spend per purchase is gamma around a customer-specific mean.

    Parameters
    ----------
    n_starts : int
        Optimiser starts: one fixed, the others seeded jitters of it.
    max_fit_rows : int or None
        Fit on a seeded uniform sample of this many customers when there are more.
    random_state : int
        Seed of the jittered starts and of the sample.

    Attributes
    ----------
    params_ : numpy.ndarray
        ``(p, q, gamma)`` with ``q > 1`` so that the population mean exists.
    log_likelihood_ : float
        Mean log-likelihood per fitted customer at the optimum.
    """

    def __init__(
        self, n_starts: int = 4, max_fit_rows: int | None = 200_000, random_state: int = 0
    ) -> None:
        self.n_starts = n_starts
        self.max_fit_rows = max_fit_rows
        self.random_state = random_state

    def fit(self, frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaModel:
        """Estimate ``(p, q, gamma)`` from customers with repeat purchases.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases; customers with 0 are ignored.
        monetary : array-like
            Mean spend per repeat purchase; customers with a missing or non-positive
            value are ignored.

        Returns
        -------
        GammaGammaModel
            self, fitted.
        """
        x, m = _as_float(frequency), _as_float(monetary)
        keep = (x > 0) & np.isfinite(m) & (m > 0)
        if keep.sum() < 2:
            raise ValueError("Gamma-Gamma needs at least 2 customers with repeat purchases")
        rows = _subsample(int(keep.sum()), self.max_fit_rows, self.random_state)
        (x_fit, m_fit), weights = _compress([x[keep][rows], m[keep][rows]])
        total = weights.sum()

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            p, q_minus_1, scale = np.exp(theta)
            values, gradient = gamma_gamma_log_likelihood_and_gradient(
                (p, 1.0 + q_minus_1, scale), x_fit, m_fit)
            chain = np.array([p, q_minus_1, scale])  # d(p, q, gamma) / d theta
            return float(-(weights * values).sum() / total), -(weights @ gradient) * chain / total

        base = [1.0, 1.0, max(float(np.median(m_fit)), 1e-3)]
        best, value = _fit_log_params(objective, _starts(base, self.n_starts, self.random_state))
        p, q_minus_1, scale = np.exp(best)
        self.params_ = np.array([p, 1.0 + q_minus_1, scale])
        self.log_likelihood_ = -value
        return self

    def expected_spend(self, frequency: ArrayLike, monetary: ArrayLike) -> np.ndarray:
        """Compute expected spend per purchase; see :func:`gamma_gamma_expected_spend`."""
        return gamma_gamma_expected_spend(self.params_, frequency, monetary)
