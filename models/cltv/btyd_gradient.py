"""Analytic gradients of the BG/NBD and Gamma-Gamma log-likelihoods, per customer.

The fits in :mod:`models.cltv.btyd` maximise these likelihoods by L-BFGS-B. With the
gradient given, each step costs one likelihood evaluation instead of five (the forward
differences scipy takes otherwise, one per parameter), and the optimum is found to the
optimiser's tolerance rather than to the difference step's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, gammaln


def _as_float(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class BGNBDTerms:
    """The per-customer pieces of the BG/NBD log-likelihood that its gradient reuses."""

    values: np.ndarray  # the log-likelihood of each customer
    w3: np.ndarray  # share of exp(A3) in the last term
    w4: np.ndarray  # share of exp(A4) (0 without a repeat purchase)
    safe_b: np.ndarray  # b + x - 1 for repeat buyers, 1 otherwise


def bgnbd_terms(params: ArrayLike, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> BGNBDTerms:
    """Log-likelihood of each customer under BG/NBD, with the terms its gradient needs.

    ``A3 = -(r + x) log(alpha + T)`` and, for repeat buyers,
    ``A4 = log a - log(b + x - 1) - (r + x) log(alpha + t_x)``; the last term is
    ``log(exp A3 + exp A4)`` (Fader, Hardie & Lee 2005).
    """
    r, alpha, a, b = (float(v) for v in np.asarray(params, dtype=np.float64))
    log_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    log_a2 = betaln(a, b + x) - betaln(a, b)
    log_a3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    safe_b = np.where(repeat, b + x - 1.0, 1.0)  # b + x - 1 may be <= 0 when x == 0
    log_a4 = np.log(a) - np.log(safe_b) - (r + x) * np.log(alpha + t_x)
    tail = np.where(repeat, np.logaddexp(log_a3, log_a4), log_a3)
    return BGNBDTerms(values=np.asarray(log_a1 + log_a2 + tail),
                      w3=np.exp(log_a3 - tail),
                      w4=np.where(repeat, np.exp(log_a4 - tail), 0.0), safe_b=safe_b)


def bgnbd_log_likelihood_and_gradient(
    params: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD log-likelihood of each customer and its gradient in ``(r, alpha, a, b)``.

    Parameters
    ----------
    params : array-like of 4 floats
        ``(r, alpha, a, b)``, all positive.
    frequency, recency, T : array-like
        ``x``, ``t_x`` and ``T`` as in :func:`models.cltv.btyd.bgnbd_log_likelihood`.

    Returns
    -------
    tuple of numpy.ndarray
        The log-likelihoods, shape ``(n,)``, equal to
        :func:`models.cltv.btyd.bgnbd_log_likelihood`; the gradient, shape ``(n, 4)``.

    Notes
    -----
    The derivative of the last term (see :func:`bgnbd_terms`) weighs those of A3 and A4 by
    their shares ``w3`` and ``w4``.
    """
    r, alpha, a, b = (float(v) for v in np.asarray(params, dtype=np.float64))
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    terms = bgnbd_terms(params, x, t_x, age)
    w3, w4 = terms.w3, terms.w4
    d_r = (digamma(r + x) - digamma(r) + np.log(alpha)
           - w3 * np.log(alpha + age) - w4 * np.log(alpha + t_x))
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + age) + w4 / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
    d_b = (digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b)
           - w4 / terms.safe_b)
    return terms.values, np.column_stack([d_r, d_alpha, d_a, d_b])


def gamma_gamma_log_likelihood_and_gradient(
    params: ArrayLike, frequency: ArrayLike, monetary: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Gamma-Gamma log-likelihood of each customer and its gradient in ``(p, q, gamma)``.

    Parameters
    ----------
    params : array-like of 3 floats
        ``(p, q, gamma)``, all positive.
    frequency, monetary : array-like
        ``x`` (positive) and ``m`` (positive), as in
        :func:`models.cltv.btyd.gamma_gamma_log_likelihood`.

    Returns
    -------
    tuple of numpy.ndarray
        The log-likelihoods, shape ``(n,)``; the gradient, shape ``(n, 3)``.
    """
    p, q, scale = (float(v) for v in np.asarray(params, dtype=np.float64))
    x, m = _as_float(frequency), _as_float(monetary)
    px = p * x
    log_spend = np.log(scale + m * x)
    values = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(scale)
              + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * log_spend)
    shared = digamma(px + q)
    d_p = x * (shared - digamma(px) + np.log(m) + np.log(x) - log_spend)
    d_q = shared - digamma(q) + np.log(scale) - log_spend
    d_scale = q / scale - (px + q) / (scale + m * x)
    return np.asarray(values), np.column_stack([d_p, d_q, d_scale])
