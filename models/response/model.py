"""Per-channel response curves (adstock + Hill) under a shared demand curve, fitted jointly.

Weekly response of channel c (leads, or new customers when there are no leads):
``mu[c, w] = demand[w] * (base_c + max_response_c * hill(adstock(spend_c, theta_c), K_c, S_c))``
with ``demand[w] = exp(Fourier(week of year) + trend)`` shared by all channels. The shared
demand is what stops a fit from crediting spend with the season planners spend more in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.response.curves import geometric_adstock, hill, hill_derivative

FloatArray = NDArray[np.float64]
PAID_PARAMS = ("log_base", "log_max", "log_half", "shape", "theta")
SHAPE_BOUNDS = (0.5, 4.0)
THETA_BOUNDS = (0.0, 0.9)


@dataclass(frozen=True)
class ChannelCurve:
    """Fitted curve of one channel at average demand.

    ``response(s) = base + max_response * hill(s, half_saturation, shape)`` for a constant
    weekly spend ``s`` (the adstock of a constant spend is the spend itself).
    """

    channel: str
    paid: bool
    base: float
    max_response: float = 0.0
    half_saturation: float = 1.0
    shape: float = 1.0
    theta: float = 0.0

    def response(self, spend: FloatArray | float) -> FloatArray:
        """Return steady-state weekly response at average demand."""
        s = np.asarray(spend, dtype=np.float64)
        if not self.paid:
            return np.full_like(s, self.base)
        return self.base + self.max_response * hill(s, self.half_saturation, self.shape)

    def marginal(self, spend: FloatArray | float) -> FloatArray:
        """Return d response / d spend."""
        s = np.asarray(spend, dtype=np.float64)
        if not self.paid:
            return np.zeros_like(s)
        return self.max_response * hill_derivative(s, self.half_saturation, self.shape)


@dataclass(frozen=True)
class Panel:
    """Wide weekly arrays: spend and response, (weeks, channels), oldest week first."""

    weeks: pd.DatetimeIndex
    channels: list[str]
    paid: NDArray[np.bool_]
    spend: FloatArray
    response: FloatArray


@dataclass
class FitOptions:
    """Fitting choices; defaults suit 2-3 years of weekly data."""

    fourier_order: int = 2
    n_starts: int = 4
    ridge: float = 1.0
    random_state: int = 0
    max_iter: int = 400
    start: FloatArray | None = field(default=None, repr=False)


def build_panel(channel_panel: pd.DataFrame, response_column: str) -> Panel:
    """Pivot the long weekly channel panel into arrays.

    Parameters
    ----------
    channel_panel : pandas.DataFrame
        Columns week, channel, spend, paid and ``response_column`` (leads or new_customers).
    response_column : str
        The response to model.
    """
    missing = {"week", "channel", "spend", "paid", response_column} - set(channel_panel.columns)
    if missing:
        raise KeyError(f"channel panel: missing column(s) {sorted(missing)}")
    spend = channel_panel.pivot(index="week", columns="channel", values="spend").fillna(0.0)
    resp = channel_panel.pivot(index="week", columns="channel", values=response_column)
    paid = channel_panel.groupby("channel")["paid"].any().reindex(spend.columns)
    return Panel(
        weeks=pd.DatetimeIndex(spend.index), channels=[str(c) for c in spend.columns],
        paid=paid.to_numpy(dtype=bool), spend=spend.to_numpy(dtype=np.float64),
        response=resp.reindex(spend.index).fillna(0.0).to_numpy(dtype=np.float64),
    )


def _week_number(weeks: pd.DatetimeIndex) -> FloatArray:
    return np.asarray((weeks - pd.Timestamp("2000-01-03")).days.to_numpy() / 7.0)


def demand_design(weeks: pd.DatetimeIndex, order: int,
                  fit_weeks: pd.DatetimeIndex | None = None) -> FloatArray:
    """Fourier terms of the week of year plus a centred trend in years; (weeks, 2*order+1).

    The trend is centred on the mean of ``fit_weeks`` (the weeks the model was fitted on;
    ``weeks`` when None), so a model predicts other weeks on the scale it was fitted on.
    """
    t = _week_number(weeks)
    angle = 2 * np.pi * t / 52.1775
    cols = [f(k * angle) for k in range(1, order + 1) for f in (np.sin, np.cos)]
    centre = t.mean() if fit_weeks is None else _week_number(fit_weeks).mean()
    trend = (t - centre) / 52.0
    return np.column_stack([*cols, trend]) if cols else trend[:, None]


@dataclass(frozen=True)
class _Layout:
    """Where each parameter sits in the flat vector."""

    n_demand: int
    paid: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return self.n_demand + int(sum(5 if p else 1 for p in self.paid))

    def offsets(self) -> list[int]:
        out, pos = [], self.n_demand
        for p in self.paid:
            out.append(pos)
            pos += 5 if p else 1
        return out


def _predict(x: FloatArray, panel: Panel, design: FloatArray, layout: _Layout) -> FloatArray:
    demand = np.exp(design @ x[: layout.n_demand])
    mu = np.empty_like(panel.spend)
    for c, off in enumerate(layout.offsets()):
        base = np.exp(x[off])
        if not layout.paid[c]:
            mu[:, c] = demand * base
            continue
        adstock = geometric_adstock(panel.spend[:, c], float(x[off + 4]))
        media = np.exp(x[off + 1]) * hill(adstock, float(np.exp(x[off + 2])), float(x[off + 3]))
        mu[:, c] = demand * (base + media)
    return mu


def _spend_reference(panel: Panel) -> FloatArray:
    """Mean positive weekly spend per channel (1.0 for a channel that never spends)."""
    count = (panel.spend > 0).sum(axis=0)
    total = np.where(panel.spend > 0, panel.spend, 0.0).sum(axis=0)
    return np.asarray(np.where(count > 0, total / np.maximum(count, 1), 1.0))


def _bounds(panel: Panel, layout: _Layout) -> list[tuple[float, float]]:
    top = np.log(np.maximum(panel.response.max(axis=0), 1.0))
    ref = np.log(_spend_reference(panel))
    bounds: list[tuple[float, float]] = [(-1.0, 1.0)] * (layout.n_demand - 1) + [(-0.5, 0.5)]
    for c, paid in enumerate(layout.paid):
        bounds.append((np.log(1e-3), top[c] + np.log(10.0)))
        if paid:
            bounds += [(np.log(1e-3), top[c] + np.log(20.0)),
                       (ref[c] + np.log(0.05), ref[c] + np.log(20.0)), SHAPE_BOUNDS, THETA_BOUNDS]
    return bounds


def _channel_media(
    spend: FloatArray, log_max: float, log_half: float, shape: float, theta: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Media response and its derivatives w.r.t. log_max, log_half, shape and theta."""
    from scipy.signal import lfilter

    adstock = geometric_adstock(spend, theta)
    ratio = np.maximum(adstock, 1e-12) / np.exp(log_half)
    sat = hill(adstock, float(np.exp(log_half)), shape)
    slope = sat * (1.0 - sat)
    # dA_t/dtheta = A_(t-1) - s_t + theta * dA_(t-1)/dtheta, with A_(-1) = s_0 fixed
    previous = np.concatenate([[spend[0]], adstock[:-1]]) if spend.size else adstock
    d_adstock, _ = lfilter([1.0], [1.0, -theta], previous - spend, zi=[0.0])
    scale = np.exp(log_max)
    d_theta = scale * shape * slope / np.maximum(adstock, 1e-12) * d_adstock
    media = scale * sat
    return media, -scale * shape * slope, scale * slope * np.log(ratio), d_theta


def _objective(
    x: FloatArray, panel: Panel, design: FloatArray, layout: _Layout, ridge: float,
    log_ref: FloatArray,
) -> tuple[float, FloatArray]:
    """Poisson negative log-likelihood per observation plus a weak ridge; value and gradient."""
    n_obs = panel.response.size
    demand = np.exp(design @ x[: layout.n_demand])
    grad = np.zeros_like(x)
    nll = 0.0
    demand_grad = np.zeros(panel.spend.shape[0])
    for c, off in enumerate(layout.offsets()):
        base = np.exp(x[off])
        parts: list[FloatArray] = []
        inner = np.full(panel.spend.shape[0], base)
        if layout.paid[c]:
            media, *parts = _channel_media(panel.spend[:, c], *map(float, x[off + 1 : off + 5]))
            inner = inner + media
        mu = np.maximum(demand * inner, 1e-9)
        y = panel.response[:, c]
        nll += float(np.sum(mu - y * np.log(mu)))
        g = (1.0 - y / mu) * demand  # d nll / d inner
        demand_grad += (1.0 - y / mu) * mu
        grad[off] = np.sum(g * base)
        if layout.paid[c]:
            grad[off + 1] = np.sum(g * media)
            for k, part in enumerate(parts, start=2):
                grad[off + k] = np.sum(g * part)
            grad[off + 2] += ridge * (x[off + 2] - log_ref[c]) / 4.0
            grad[off + 3] += ridge * (x[off + 3] - 1.5) / 4.0
            nll += ridge * ((x[off + 2] - log_ref[c]) ** 2 + (x[off + 3] - 1.5) ** 2) / 8.0
    grad[: layout.n_demand] = design.T @ demand_grad
    return nll / n_obs, grad / n_obs


def _initial(panel: Panel, layout: _Layout, rng: np.random.Generator, jitter: bool) -> FloatArray:
    x = np.zeros(layout.size)
    ref = _spend_reference(panel)
    mean = np.maximum(panel.response.mean(axis=0), 0.5)
    for c, off in enumerate(layout.offsets()):
        x[off] = np.log(mean[c] * (0.3 if layout.paid[c] else 1.0))
        if layout.paid[c]:
            half = ref[c] * (np.exp(rng.normal(0, 0.7)) if jitter else 1.0)
            shape = rng.uniform(0.8, 2.5) if jitter else 1.5
            theta = rng.uniform(0.0, 0.7) if jitter else 0.3
            x[off + 1 : off + 5] = [np.log(mean[c] * 1.4), np.log(half), shape, theta]
    return x


def fit_joint(panel: Panel, options: FitOptions) -> tuple[FloatArray, float]:
    """Fit every channel's curve and the shared demand; return the parameter vector and loss."""
    from scipy.optimize import minimize  # slow import; planning on fitted curves never fits

    design = demand_design(panel.weeks, options.fourier_order)
    layout = _Layout(n_demand=design.shape[1], paid=panel.paid)
    bounds = _bounds(panel, layout)
    log_ref = np.log(_spend_reference(panel))
    rng = np.random.default_rng(options.random_state)
    starts = [options.start] if options.start is not None else [
        _initial(panel, layout, rng, jitter=i > 0) for i in range(options.n_starts)]
    best: tuple[FloatArray, float] | None = None
    for start in starts:
        lo, hi = np.array(bounds).T
        result = minimize(_objective, np.clip(start, lo, hi),
                          args=(panel, design, layout, options.ridge, log_ref),
                          method="L-BFGS-B", jac=True, bounds=bounds,
                          options={"maxiter": options.max_iter})
        if best is None or result.fun < best[1]:
            best = (np.asarray(result.x, dtype=np.float64), float(result.fun))
    assert best is not None
    return best


def curves_from_vector(x: FloatArray, panel: Panel, fourier_order: int) -> list[ChannelCurve]:
    """Turn a parameter vector into one :class:`ChannelCurve` per channel."""
    layout = _Layout(n_demand=2 * fourier_order + 1, paid=panel.paid)
    curves = []
    for c, off in enumerate(layout.offsets()):
        if not panel.paid[c]:
            curves.append(ChannelCurve(panel.channels[c], False, float(np.exp(x[off]))))
            continue
        curves.append(ChannelCurve(
            channel=panel.channels[c], paid=True, base=float(np.exp(x[off])),
            max_response=float(np.exp(x[off + 1])), half_saturation=float(np.exp(x[off + 2])),
            shape=float(x[off + 3]), theta=float(x[off + 4])))
    return curves


def predict_panel(x: FloatArray, panel: Panel, fourier_order: int,
                  fit_weeks: pd.DatetimeIndex | None = None) -> FloatArray:
    """Fitted weekly response for the panel's weeks and spend.

    ``fit_weeks`` are the weeks ``x`` was fitted on, when not the panel's own (a forecast).
    """
    design = demand_design(panel.weeks, fourier_order, fit_weeks)
    return _predict(x, panel, design, _Layout(n_demand=design.shape[1], paid=panel.paid))
