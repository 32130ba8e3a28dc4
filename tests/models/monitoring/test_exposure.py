from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.monitoring.alerts import AlertRule, find_alerts
from models.monitoring.bands import BandConfig, build_bands
from models.monitoring.exposure import (
    ExposureConfig,
    blocked_forecast,
    exposure_override,
    scaled_exposure,
)
from models.response.curves import geometric_adstock, hill
from models.response.model import Panel

WEEKS = pd.date_range("2023-01-02", periods=150, freq="7D")
CONFIG = BandConfig(level_weeks=26, guard_weeks=8, calibration_weeks=52, min_errors=20)


def spend_panel(seed: int = 0) -> Panel:
    """Two paid channels whose leads follow an S-curve of adstocked spend, with a ramp."""
    rng = np.random.default_rng(seed)
    n = len(WEEKS)
    spend = np.column_stack([
        10_000 * np.exp(rng.normal(0, 0.3, n)) * np.where(np.arange(n) >= 110, 2.0, 1.0),
        np.where(rng.random(n) < 0.3, 20_000.0, 0.0)])
    mu = np.column_stack([5 + 200 * hill(geometric_adstock(spend[:, 0], 0.3), 12_000, 1.3),
                          2 + 80 * hill(geometric_adstock(spend[:, 1], 0.5), 15_000, 2.0)])
    return Panel(weeks=pd.DatetimeIndex(WEEKS), channels=["a", "b"],
                 paid=np.array([True, True]), spend=spend,
                 response=rng.poisson(mu).astype(np.float64))


def test_scaled_exposure_by_hand() -> None:
    config = BandConfig(level_weeks=2, guard_weeks=1)
    exposure = np.array([[1.0, 2.0, 4.0, 4.0, 8.0]])
    values = np.array([[3.0, 6.0, 12.0, 100.0, 0.0]])
    out = scaled_exposure(values, exposure, config)
    # week t uses weeks t-3..t-2 (at least one): week 2 sees week 0 (ratio 3); week 4 sees
    # weeks 1-2, (6 + 12) / (2 + 4) = 3; the jump in week 3 reaches week 5 only
    assert np.isnan(out[0, :2]).all()
    assert out[0, 2:].tolist() == pytest.approx([12.0, 12.0, 24.0])


def test_blocked_forecast_never_uses_the_weeks_it_predicts() -> None:
    panel = spend_panel()
    config = ExposureConfig(min_weeks=52, refit_weeks=13, guard_weeks=8)
    base = blocked_forecast(panel, config)
    assert np.isnan(base[:60]).all() and np.isfinite(base[60:]).all()
    changed = panel.response.copy()
    changed[100:] *= 3.0  # a change at week 100 reaches fits that end after it only
    moved = blocked_forecast(Panel(panel.weeks, panel.channels, panel.paid, panel.spend,
                                   changed), config)
    np.testing.assert_array_equal(base[:112], moved[:112])  # the block fitted on weeks < 99
    assert not np.allclose(base[112:], moved[112:])


def test_blocked_forecast_follows_spend() -> None:
    panel = spend_panel()
    predicted = blocked_forecast(panel, ExposureConfig())
    after = slice(112, None)  # channel a's spend doubled at week 110
    ratio = panel.response[after, 0].sum() / predicted[after, 0].sum()
    assert ratio == pytest.approx(1.0, abs=0.1)
    # the dark and burst weeks of channel b are predicted, not averaged away
    on = panel.spend[60:, 1] > 0
    assert predicted[60:, 1][on].mean() > 2.0 * predicted[60:, 1][~on].mean()


def long_rows(panel: Panel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Channel and total ``leads`` series of a panel, and its channels' exposures."""
    predicted = blocked_forecast(panel, ExposureConfig())
    frames, exposures = [], []
    for c, name in enumerate(panel.channels):
        frames.append(pd.DataFrame({"week": WEEKS, "kpi": "leads", "segment_type": "channel",
                                    "segment": name, "value": panel.response[:, c],
                                    "n": panel.response[:, c]}))
        exposures.append(pd.DataFrame({"week": WEEKS, "kpi": "leads", "segment_type": "channel",
                                       "segment": name, "exposure": predicted[:, c]}).dropna())
    total = panel.response.sum(axis=1)
    frames.append(pd.DataFrame({"week": WEEKS, "kpi": "leads", "segment_type": "total",
                                "segment": "total", "value": total, "n": total}))
    return pd.concat(frames, ignore_index=True), pd.concat(exposures, ignore_index=True)


def test_a_planned_spend_ramp_alerts_only_without_the_exposure() -> None:
    series, exposure = long_rows(spend_panel())
    rule = AlertRule()
    plain = find_alerts(build_bands(series, CONFIG), rule)
    aware = build_bands(series, CONFIG, exposure_override(exposure, CONFIG, cac_weeks=4))
    assert ((plain["segment"] == "a") & (plain["direction"] == "up")).any()
    assert find_alerts(aware, rule).empty
    # the total's expectation is the sum of its channels'
    wide = aware.pivot_table(index="week", columns="segment", values="expected")
    tested = wide.dropna()
    assert len(tested) > 50
    np.testing.assert_allclose(tested["total"], tested["a"] + tested["b"])


def test_cac_expectation_is_spend_over_expected_customers() -> None:
    weeks = WEEKS[:6]
    keys = pd.DataFrame({"kpi": ["new_customers", "cac"], "segment_type": ["channel"] * 2,
                         "segment": ["a", "a"]})
    exposure = pd.DataFrame({"week": weeks, "kpi": "new_customers", "segment_type": "channel",
                             "segment": "a", "exposure": [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]})
    values = np.array([[5.0, 5.0, 5.0, 5.0, 10.0, 10.0],   # new customers: 5 per exposure
                       [np.nan, 100.0, 100.0, 100.0, 80.0, 60.0]])  # cac over 2 weeks
    n = np.array([[5.0] * 6, [np.nan, 10.0, 10.0, 10.0, 15.0, 20.0]])
    override = exposure_override(exposure, BandConfig(level_weeks=2, guard_weeks=0),
                                 cac_weeks=2)
    out = override(keys, pd.DatetimeIndex(weeks), values, n)
    assert out[0, 2:].tolist() == pytest.approx([5.0, 5.0, 10.0, 10.0])
    # week 4: spend 80 x 15 = 1200 over expected customers 5 + 10 = 15
    assert out[1, 4] == pytest.approx(1200.0 / 15.0)
    assert out[1, 5] == pytest.approx(60.0 * 20.0 / 20.0)
