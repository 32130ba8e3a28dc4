"""BG/NBD and Gamma-Gamma: published CDNOW estimates, closed forms and invariants."""

from __future__ import annotations

import importlib.util
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.cltv.btyd import (
    BetaGeoModel,
    GammaGammaModel,
    bgnbd_expected_purchases,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
    gamma_gamma_expected_spend,
)
from models.cltv.btyd_predictive import btyd_value_quantiles

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW sample.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOG_LIKELIHOOD = -9582.4
# Fader, Hardie & Lee (2005), "RFM and CLV", the same customers' mean repeat spend.
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
CDNOW_PARAMS = (0.243, 4.414, 0.793, 2.426)


def lifetimes_datasets() -> Path | None:
    """The directory of CDNOW files shipped by ``lifetimes`` (never imported: it is broken)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "datasets"
    return root if (root / "CDNOW_sample.txt").is_file() else None


DATASETS = lifetimes_datasets()
needs_cdnow = pytest.mark.skipif(
    DATASETS is None,
    reason="CDNOW files not found: `pip install --no-deps lifetimes==0.11.3` ships them",
)


def cdnow_sample_rfm() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency, recency and T in weeks, calibration 1997-01-01 to 1997-09-30."""
    assert DATASETS is not None
    log = pd.read_csv(DATASETS / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["customer_id", "index", "date", "cds", "value"], dtype=str)
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")
    days = log.loc[log["date"] <= end].drop_duplicates(["customer_id", "date"])
    per_customer = days.groupby("customer_id")["date"].agg(["min", "max", "count"])
    frequency = (per_customer["count"] - 1).to_numpy(dtype=np.float64)
    recency = (per_customer["max"] - per_customer["min"]).dt.days.to_numpy() / 7.0
    age = (end - per_customer["min"]).dt.days.to_numpy() / 7.0
    return frequency, recency, age


@needs_cdnow
def test_bgnbd_reproduces_the_published_cdnow_sample_estimates() -> None:
    frequency, recency, age = cdnow_sample_rfm()
    assert len(frequency) == 2357
    model = BetaGeoModel().fit(frequency, recency, age)
    for value, (name, published) in zip(model.params_, PUBLISHED_BGNBD.items(), strict=True):
        assert value == pytest.approx(published, rel=0.01, abs=0.001), name
    total = model.log_likelihood_ * len(frequency)
    assert total == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.5)


@needs_cdnow
def test_gamma_gamma_reproduces_the_published_cdnow_sample_estimates() -> None:
    assert DATASETS is not None
    summary = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv")
    model = GammaGammaModel().fit(summary["x"], summary["zbar"])
    for value, (name, published) in zip(model.params_, PUBLISHED_GAMMA_GAMMA.items(), strict=True):
        assert value == pytest.approx(published, rel=0.01), name


def test_conditional_expectation_matches_the_published_worked_example() -> None:
    # FHL 2005, section 4: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks.
    expected = bgnbd_expected_purchases(CDNOW_PARAMS, 39.0, [2.0], [30.43], [38.86])
    assert expected[0] == pytest.approx(1.226, abs=0.002)


def test_expected_purchases_are_zero_at_zero_and_grow_with_the_horizon() -> None:
    x, t_x = np.array([0.0, 1, 5, 20]), np.array([0.0, 3, 20, 30])
    age = np.array([10.0, 10, 30, 31])
    assert np.allclose(bgnbd_expected_purchases(CDNOW_PARAMS, 0.0, x, t_x, age), 0.0)
    horizons = [bgnbd_expected_purchases(CDNOW_PARAMS, t, x, t_x, age) for t in (1, 10, 50, 200)]
    assert all((later > earlier).all() for earlier, later in pairwise(horizons))


def test_p_alive_is_one_without_repeats_and_falls_with_inactivity() -> None:
    alive = bgnbd_p_alive(CDNOW_PARAMS, [0, 4, 4, 4], [0, 30, 20, 5], [30, 30, 30, 30])
    assert alive[0] == 1.0
    assert 0 < alive[3] < alive[2] < alive[1] <= 1


def test_vectorised_functions_equal_a_loop_over_customers() -> None:
    x, t_x, age = np.array([0.0, 2, 7]), np.array([0.0, 5, 25]), np.array([12.0, 30, 26])
    together = bgnbd_expected_purchases(CDNOW_PARAMS, 20.0, x, t_x, age)
    one_by_one = [bgnbd_expected_purchases(CDNOW_PARAMS, 20.0, [a], [b], [c])[0]
                  for a, b, c in zip(x, t_x, age, strict=True)]
    assert np.allclose(together, one_by_one)
    ll = bgnbd_log_likelihood(CDNOW_PARAMS, x, t_x, age)
    assert np.allclose(ll, [bgnbd_log_likelihood(CDNOW_PARAMS, [a], [b], [c])[0]
                            for a, b, c in zip(x, t_x, age, strict=True)])


def test_gamma_gamma_spend_shrinks_towards_the_population_mean() -> None:
    params = (6.25, 3.74, 15.44)
    population = 6.25 * 15.44 / (3.74 - 1)
    spend = gamma_gamma_expected_spend(params, [0, 1, 50], [np.nan, 100.0, 100.0])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0


def test_fit_rejects_recency_beyond_age() -> None:
    with pytest.raises(ValueError, match="recency <= T"):
        BetaGeoModel().fit([1, 2], [5, 9], [6, 8])


def test_simulated_value_distribution_has_the_closed_form_mean() -> None:
    spend_params = (6.25, 3.74, 15.44)
    x, t_x, age = np.array([0.0, 3, 10]), np.array([0.0, 20, 35]), np.array([30.0, 30, 36])
    monetary = np.array([np.nan, 40.0, 25.0])
    levels = tuple((np.arange(400) + 0.5) / 400)  # the mean is the integral of the quantiles
    quantiles = btyd_value_quantiles(CDNOW_PARAMS, spend_params, 0.0, 39.0, x, t_x, age,
                                     monetary, quantiles=levels, n_draws=40_000, random_state=1)
    closed_form = (bgnbd_expected_purchases(CDNOW_PARAMS, 39.0, x, t_x, age)
                   * gamma_gamma_expected_spend(spend_params, x, monetary))
    assert quantiles.mean(axis=1) == pytest.approx(closed_form, rel=0.05)
    assert (quantiles[:, 0] == 0).all()  # anyone may have left


def test_the_analytic_gradients_match_finite_differences() -> None:
    from scipy.optimize import approx_fprime

    from models.cltv.btyd import bgnbd_log_likelihood, gamma_gamma_log_likelihood
    from models.cltv.btyd_gradient import (
        bgnbd_log_likelihood_and_gradient,
        gamma_gamma_log_likelihood_and_gradient,
    )

    rng = np.random.default_rng(7)
    x = rng.integers(0, 6, 40).astype(float)
    age = rng.uniform(5.0, 50.0, 40)
    t_x = np.where(x > 0, age * rng.uniform(0.0, 1.0, 40), 0.0)
    params = np.array([0.8, 4.0, 0.7, 2.5])
    values, gradient = bgnbd_log_likelihood_and_gradient(params, x, t_x, age)
    np.testing.assert_array_equal(values, bgnbd_log_likelihood(params, x, t_x, age))
    for i in range(len(x)):
        numeric = approx_fprime(params, lambda p, i=i: bgnbd_log_likelihood(
            p, x[i : i + 1], t_x[i : i + 1], age[i : i + 1])[0], 1e-7)
        np.testing.assert_allclose(gradient[i], numeric, rtol=1e-4, atol=1e-5)
    repeats, spend = rng.integers(1, 6, 40).astype(float), rng.uniform(5.0, 100.0, 40)
    params = np.array([3.0, 4.0, 20.0])
    values, gradient = gamma_gamma_log_likelihood_and_gradient(params, repeats, spend)
    np.testing.assert_array_equal(values, gamma_gamma_log_likelihood(params, repeats, spend))
    for i in range(len(repeats)):
        numeric = approx_fprime(params, lambda p, i=i: gamma_gamma_log_likelihood(
            p, repeats[i : i + 1], spend[i : i + 1])[0], 1e-7)
        np.testing.assert_allclose(gradient[i], numeric, rtol=1e-4, atol=1e-5)
