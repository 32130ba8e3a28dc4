from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.monitoring.bands import (
    BandConfig,
    bonferroni_z,
    build_bands,
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
