from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.monitoring.health import HealthConfig, calibration, feature_psi, psi, verdict


def test_psi_by_hand_on_levels() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    recent = pd.Series(["a"] * 80 + ["b"] * 20)
    expected = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert psi(reference, recent, 10) == pytest.approx(expected)
    assert psi(reference, reference, 10) == pytest.approx(0.0)


def test_psi_of_numbers_uses_reference_deciles() -> None:
    rng = np.random.default_rng(0)
    reference = pd.Series(rng.normal(0, 1, 5000))
    assert psi(reference, pd.Series(rng.normal(0, 1, 5000)), 10) < 0.02
    assert psi(reference, pd.Series(rng.normal(1, 1, 5000)), 10) > 0.25


def test_calibration_by_hand() -> None:
    predicted = np.array([0.1, 0.1, 0.9, 0.9])
    converted = np.array([0.0, 0.0, 1.0, 0.0])
    out = calibration(predicted, converted, bins=2)
    # bins {0.1, 0.1} -> |0.1 - 0| and {0.9, 0.9} -> |0.9 - 0.5|, each half the leads
    assert out["ece"] == pytest.approx(0.5 * 0.1 + 0.5 * 0.4)
    assert calibration(np.array([]), np.array([]), 2) == {"n": 0.0}


def test_verdict_names_the_reasons() -> None:
    drift = feature_psi(pd.DataFrame({"x": ["a"] * 50 + ["b"] * 50}),
                        pd.DataFrame({"x": ["a"] * 95 + ["b"] * 5}), ["x", "absent"], 10)
    out = verdict(drift, {"n": 10.0, "ece": 0.5}, HealthConfig())
    assert out["retrain_recommended"] is True
    assert out["reasons"] == [f"PSI of x is {drift['psi'].iloc[0]:.2f} (> 0.25)"]
    calm = verdict(drift.assign(psi=0.01), {"n": 500.0, "ece": 0.01}, HealthConfig())
    assert calm["retrain_recommended"] is False and calm["reasons"] == []


class Model:
    feature_names_in_ = np.array(["x"], dtype=object)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.column_stack([1 - frame["x"].to_numpy(), frame["x"].to_numpy()])


def test_lead_model_health_windows() -> None:
    from models.monitoring.health import lead_model_health

    created = pd.Series(pd.date_range("2024-01-01", periods=400, freq="D"))
    converted = created.where(np.arange(400) % 2 == 0) + pd.Timedelta(days=5)
    features = pd.DataFrame({"x": np.where(np.arange(400) < 300, 0.5, 0.9)})
    out = lead_model_health(Model(), features, created, converted,
                            trained_until=pd.Timestamp("2024-09-01"),
                            as_of=pd.Timestamp("2025-02-04"), window_days=30.0,
                            config=HealthConfig(min_labelled=10))
    # training: created before 2024-08-02 (214 leads); recent: the 13 weeks before as_of
    assert out["training_leads"] == 214 and out["recent_leads"] == 91
    assert out["psi"]["x"] > 0.25 and out["retrain_recommended"] is True
    # labelled since training: created 2024-08-02 .. 2025-01-04, half converted in 5 days
    cal = out["calibration_since_training"]
    assert cal["n"] == 156 and cal["observed_rate"] == pytest.approx(0.5, abs=0.01)
