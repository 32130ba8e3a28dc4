"""Response primitives and the joint curve fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from models.metrics import r_squared
from models.response.curves import geometric_adstock, hill, hill_derivative
from models.response.model import (
    ChannelCurve,
    FitOptions,
    Panel,
    _initial,
    _Layout,
    _objective,
    _spend_reference,
    curves_from_vector,
    demand_design,
    fit_joint,
)
from models.response.uncertainty import (
    CurveSet,
    block_resample,
    curves_from_dict,
    curves_to_dict,
)


def test_adstock_invariants() -> None:
    assert geometric_adstock(np.zeros(5), 0.5).tolist() == [0.0] * 5
    assert np.allclose(geometric_adstock(np.full(6, 7.0), 0.6), 7.0)
    x = np.array([1.0, 0.0, 4.0, 2.0])
    assert np.allclose(geometric_adstock(x, 0.0), x)
    loop, previous = [], x[0]
    for value in x:
        previous = 0.3 * previous + 0.7 * value
        loop.append(previous)
    assert np.allclose(geometric_adstock(x, 0.3), loop)
    with pytest.raises(ValueError, match="theta"):
        geometric_adstock(x, 1.0)


def test_hill_invariants() -> None:
    assert hill(np.array([0.0]), 10.0, 2.0)[0] == 0.0
    assert hill(np.array([10.0]), 10.0, 2.0)[0] == pytest.approx(0.5)
    values = hill(np.linspace(0, 1e6, 50), 10.0, 1.3)
    assert np.all((values >= 0) & (values < 1)) and np.all(np.diff(values) >= 0)
    h = 1e-4
    numeric = (hill(np.array([7.0 + h]), 10, 2.5) - hill(np.array([7.0 - h]), 10, 2.5)) / (2 * h)
    assert hill_derivative(np.array([7.0]), 10, 2.5)[0] == pytest.approx(numeric[0], rel=1e-6)


def _synthetic_panel(noise: bool, seed: int = 0) -> tuple[Panel, dict[str, float]]:
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2023-01-02", periods=156, freq="7D")
    spend = rng.gamma(2.0, 5_000.0, (156, 2)) * (rng.random((156, 2)) > 0.08)
    truth = {"half": 9_000.0, "shape": 1.6, "theta": 0.4, "max": 120.0, "base": 10.0}
    season = np.exp(0.2 * np.sin(2 * np.pi * np.arange(156) / 52.0))
    media = truth["max"] * hill(
        geometric_adstock(spend[:, 0], truth["theta"]), truth["half"], truth["shape"]
    )
    mu = np.column_stack([season * (truth["base"] + media), season * 40.0])
    response = rng.poisson(mu).astype(float) if noise else mu
    panel = Panel(
        weeks=pd.DatetimeIndex(weeks),
        channels=["paid", "organic"],
        paid=np.array([True, False]),
        spend=np.column_stack([spend[:, 0], 0 * spend[:, 1]]),
        response=response,
    )
    return panel, truth


def test_analytic_gradient_matches_finite_differences() -> None:
    panel, _ = _synthetic_panel(noise=True)
    design = demand_design(panel.weeks, 2)
    layout = _Layout(design.shape[1], panel.paid)
    x = _initial(panel, layout, np.random.default_rng(3), jitter=True)
    log_ref = np.log(_spend_reference(panel))
    _, grad = _objective(x, panel, design, layout, 1.0, log_ref)
    numeric = approx_fprime(
        x, lambda z: _objective(z, panel, design, layout, 1.0, log_ref)[0], 1e-7
    )
    assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-5)


def test_fit_recovers_a_noiseless_curve() -> None:
    panel, truth = _synthetic_panel(noise=False)
    x, _ = fit_joint(panel, FitOptions(n_starts=4, ridge=0.0))
    paid = curves_from_vector(x, panel, 2)[0]
    assert paid.half_saturation == pytest.approx(truth["half"], rel=0.05)
    assert paid.theta == pytest.approx(truth["theta"], abs=0.03)
    assert paid.shape == pytest.approx(truth["shape"], rel=0.05)


def test_curve_response_and_marginal() -> None:
    curve = ChannelCurve("a", True, base=5.0, max_response=100.0, half_saturation=10.0, shape=2.0)
    assert curve.response(np.array([0.0]))[0] == 5.0
    assert curve.response(np.array([10.0]))[0] == pytest.approx(55.0)
    unpaid = ChannelCurve("o", False, base=7.0)
    assert unpaid.response(np.array([1e6]))[0] == 7.0
    assert unpaid.marginal(np.array([1.0]))[0] == 0.0


def test_curves_json_round_trip_and_schema_version() -> None:
    curve = ChannelCurve("a", True, 1.0, 2.0, 3.0, 1.5, 0.2)
    curves = CurveSet("leads", [curve], [[curve], [curve]])
    payload = curves_to_dict(curves, {"window": ["2023-01-02", "2025-12-22"]})
    assert curves_from_dict(payload) == curves
    with pytest.raises(ValueError, match="schema_version"):
        curves_from_dict({**payload, "schema_version": 99})


def test_block_resample_keeps_contiguous_weeks() -> None:
    data = np.arange(20, dtype=float)[:, None] * np.ones((1, 3))
    out = block_resample(data, 4, np.random.default_rng(0))
    assert out.shape == data.shape
    assert np.all(out[:, 0] == out[:, 1])  # channels move together
    steps = np.diff(out[:4, 0])
    assert np.all(steps == 1)


def test_r_squared_is_one_for_a_perfect_fit() -> None:
    actual = np.array([[1.0, 2.0], [3.0, 5.0], [2.0, 1.0]])
    assert np.allclose(r_squared(actual, actual), 1.0)
