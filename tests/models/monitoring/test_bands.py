from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.monitoring.bands import (
    BandConfig,
    bonferroni_z,
    build_bands,
    count_errors,
    freeman_tukey,
    pooled_divisors,
    trailing_abs_median,
    trailing_mean,
)


def test_trailing_mean_uses_only_earlier_columns() -> None:
    values = np.arange(6, dtype=float)[None, :]
    out = trailing_mean(values, width=2, gap=1, min_count=2)
    # column t averages t-3 and t-2
    assert np.isnan(out[0, :3]).all()
    assert out[0, 3:].tolist() == [0.5, 1.5, 2.5]


def test_trailing_abs_median_by_hand() -> None:
    errors = np.array([[1.0, -3.0, 2.0, np.nan, 10.0]])
    out = trailing_abs_median(errors, width=3, gap=0, min_count=2)
    assert out[0, 3] == pytest.approx(2.0)  # |1|, |-3|, |2|
    assert out[0, 4] == pytest.approx(2.5)  # |-3|, |2| (NaN skipped)


def test_bonferroni_widens_with_the_family() -> None:
    assert bonferroni_z(0.95, 1) == pytest.approx(1.959964, rel=1e-5)
    assert bonferroni_z(0.95, 10) > bonferroni_z(0.95, 1)


def flat_series(weeks: int, jump_at: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    value = 10 + rng.normal(0, 1, weeks)
    if jump_at is not None:
        value[jump_at:] += 50
    return pd.DataFrame({"week": pd.date_range("2024-01-01", periods=weeks, freq="7D"),
                         "kpi": "leads", "segment_type": "total", "segment": "total",
                         "value": value, "n": 100.0})


def test_band_is_leakage_free() -> None:
    config = BandConfig(level_weeks=4, guard_weeks=1, calibration_weeks=10, min_errors=5)
    base = build_bands(flat_series(40), config)
    jumped = build_bands(flat_series(40, jump_at=30), config)
    cols = ["expected", "lower", "upper", "scale", "inflation"]
    pd.testing.assert_frame_equal(base.loc[:30, cols], jumped.loc[:30, cols])
    assert (jumped.loc[30:31, "value"] > jumped.loc[30:31, "upper"]).all()
    assert base["lower"].dropna().lt(base["upper"].dropna()).all()


def test_freeman_tukey_is_near_zero_on_expectation_and_signed() -> None:
    assert abs(freeman_tukey(np.array([100.0]), np.array([100.0]))[0]) < 0.05
    assert freeman_tukey(np.array([50.0]), np.array([100.0]))[0] < -4.0
    assert freeman_tukey(np.array([150.0]), np.array([100.0]))[0] > 4.0


def test_count_errors_measure_their_own_dispersion() -> None:
    rng = np.random.default_rng(1)
    config = BandConfig(guard_weeks=1, calibration_weeks=40, min_errors=20, horizon_weeks=4)
    expected = np.full((1, 200), 30.0)
    poisson = rng.poisson(expected).astype(float)
    doubled = 30.0 + 2.0 * (poisson - 30.0)  # twice the Poisson spread
    (plain, unit), (wide, _) = (count_errors(poisson, expected, config),
                                count_errors(doubled, expected, config))
    assert 0.8 < np.nanstd(plain[0, 60:]) < 1.25
    assert 0.8 < np.nanstd(wide[0, 60:]) < 1.25  # scaled by the measured spread, not Poisson's
    assert np.isnan(plain[0, :20]).all()
    # a 100% change of 30 expected events is about sqrt(30) standardised units
    assert 4.0 < np.nanmedian(unit[0, 60:]) < 7.0


def poisson_divisors(seed: int, spreads: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Divisors measured on Poisson(100) residuals stretched by each series' true spread."""
    rng = np.random.default_rng(seed)
    config = BandConfig(guard_weeks=1, calibration_weeks=52, min_errors=20, horizon_weeks=8)
    expected = np.full((len(spreads), 160), 100.0)
    counts = 100.0 + np.asarray(spreads)[:, None] * (rng.poisson(expected) - 100.0)
    plain, _ = count_errors(counts, expected, config)
    residual = freeman_tukey(counts, expected)
    return residual / plain, expected


def test_pooled_divisors_are_closer_to_the_truth_when_the_series_share_it() -> None:
    # Ground truth: seven series with the same spread; each divisor measured from 52 errors
    # is off by ~20% in logs, the pooled ones by much less.
    own_errors, pooled_errors = [], []
    for seed in range(5):
        divisor, _ = poisson_divisors(seed, [1.0] * 7)
        pooled = pooled_divisors(divisor, np.full(divisor.shape, 52), np.zeros(7, dtype=int))
        weeks = slice(80, None)
        centre = np.nanmedian(np.log(divisor[:, weeks]))
        own_errors.append(np.nanstd(np.log(divisor[:, weeks]) - centre))
        pooled_errors.append(np.nanstd(np.log(pooled[:, weeks]) - centre))
    assert np.mean(pooled_errors) < 0.5 * np.mean(own_errors)


def test_pooled_divisors_keep_real_differences_and_small_groups() -> None:
    divisor, _ = poisson_divisors(11, [1.0, 1.0, 1.0, 2.5, 2.5, 2.5])
    pooled = pooled_divisors(divisor, np.full(divisor.shape, 52), np.zeros(6, dtype=int))
    weeks = slice(80, None)
    ratio = np.nanmedian(pooled[3:, weeks]) / np.nanmedian(pooled[:3, weeks])
    assert 1.9 < ratio < 3.2  # 2.5 times the spread stays about 2.5 times the divisor
    # a group of two series (e.g. the total and one other) keeps its own divisors exactly
    pair = pooled_divisors(divisor[:2], np.full(divisor[:2].shape, 52), np.zeros(2, dtype=int))
    np.testing.assert_array_equal(pair, divisor[:2])


def test_rate_kpis_are_tested_on_their_events() -> None:
    weeks = 60
    rows = flat_series(weeks).assign(kpi="churn_rate", events=30.0, expected_events=30.0)
    rows.loc[rows.index[::2], "events"] = 33.0
    rows.loc[rows.index[-5:], "events"] = 10.0
    config = BandConfig(level_weeks=4, guard_weeks=1, calibration_weeks=20, min_errors=10)
    bands = build_bands(rows, config)
    assert (bands["error"].iloc[-5:] < -3.0).all()
    assert bands["events"].iloc[-1] == 10.0


def test_cac_is_tested_on_the_customers_behind_it() -> None:
    # a fixed spend of 10,000 over Poisson(40) new customers; the last 6 weeks buy 20
    rng = np.random.default_rng(3)
    customers = rng.poisson(40.0, 120).astype(float)
    customers[-6:] = 20.0
    rows = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=120, freq="7D"),
                         "kpi": "cac", "segment_type": "channel", "segment": "display",
                         "value": 10_000.0 / customers, "n": customers})
    config = BandConfig(level_weeks=26, guard_weeks=8, calibration_weeks=52, min_errors=20)
    bands = build_bands(rows, config)
    assert (bands["events"] == bands["n"]).all()  # the events are the window's customers ...
    implied = 10_000.0 / bands["expected"]  # ... against those the expected CAC implies
    assert np.allclose(bands["expected_events"], implied, equal_nan=True)
    assert (bands["error"].iloc[-6:] > 2.0).all()  # fewer customers: the CAC's error is up
    steady = bands["error"].iloc[:-6].dropna()
    assert len(steady) >= 30 and 0.6 < steady.std() < 1.5
    assert (steady.abs() < 4.0).all()  # no tail from the ratio's 1 / customers


def test_build_bands_pools_conversion_divisors_but_not_churn() -> None:
    rng = np.random.default_rng(5)
    weeks = pd.date_range("2023-01-02", periods=130, freq="7D")
    frames = []
    for kpi in ("lead_conversion_rate", "churn_rate"):
        for i, spread in enumerate([1.0, 1.0, 1.0, 1.0, 1.6]):
            events = 40.0 + spread * (rng.poisson(40.0, len(weeks)) - 40.0)
            frames.append(pd.DataFrame({"week": weeks, "kpi": kpi, "segment_type": "channel",
                                        "segment": f"c{i}", "value": events / 400.0,
                                        "n": 400.0, "events": events, "expected_events": 40.0}))
    rows = pd.concat(frames, ignore_index=True)
    pooled = build_bands(rows, BandConfig())
    alone = build_bands(rows, BandConfig(pool_dispersion=False))
    churn = pooled["kpi"] == "churn_rate"
    pd.testing.assert_frame_equal(pooled.loc[churn], alone.loc[churn])
    conversion = ~churn & pooled["error"].notna()
    assert not np.allclose(pooled.loc[conversion, "error"], alone.loc[conversion, "error"])
