"""Tests of `LeadConversionModel`: scikit-learn contract, mixed frames, categories, storage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.conversion.calibration import CalibrationMethod
from models.conversion.model import EXPECTED_FAILED_CHECKS, LeadConversionModel
from models.conversion.store import load_conversion_model, save_conversion_model


@parametrize_with_checks(
    [LeadConversionModel(random_state=0)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator: LeadConversionModel, check: object) -> None:
    check(estimator)  # type: ignore[operator]


def mixed_frame(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Numbers with gaps, booleans, text, a pandas categorical; y depends on three of them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "channel": rng.choice(["events", "organic", "display"], n),
        "score": rng.normal(0.0, 1.0, n),
        "webinar": rng.random(n) < 0.4,
        "size": pd.Categorical(rng.choice(["small", "large"], n)),
    })
    frame.loc[::9, "score"] = np.nan
    frame.loc[::13, "channel"] = None
    logit = (-1.5 + 1.2 * frame["score"].fillna(0.0) + 1.0 * (frame["channel"] == "events")
             + 0.6 * frame["webinar"])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return frame, y


@pytest.fixture(scope="module")
def fitted() -> tuple[LeadConversionModel, pd.DataFrame, np.ndarray]:
    frame, y = mixed_frame()
    return LeadConversionModel(random_state=0).fit(frame, y), frame, y


def test_fit_returns_self_and_predicts_probabilities(fitted: tuple) -> None:
    model, frame, y = fitted
    proba = model.predict_proba(frame)
    assert proba.shape == (len(frame), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert ((proba > 0) & (proba < 1)).all()
    assert model.classes_.tolist() == [0, 1]
    assert set(model.predict(frame)) <= {0, 1}
    assert model.schema_.categorical_indices == [0, 3]
    # the model learned something: the mean probability per true class differs
    assert proba[y == 1, 1].mean() > proba[y == 0, 1].mean() + 0.1


def test_unseen_category_is_treated_as_missing(fitted: tuple) -> None:
    model, frame, _ = fitted
    unseen = frame.head(20).assign(channel="brand_new_channel", size="gigantic")
    missing = frame.head(20).assign(channel=None, size=None)
    np.testing.assert_allclose(model.predict_proba(unseen), model.predict_proba(missing))


def test_text_in_a_numeric_column_names_the_column(fitted: tuple) -> None:
    model, frame, _ = fitted
    bad = frame.head(5).astype({"score": "object"})
    bad.loc[2, "score"] = "high"
    with pytest.raises(ValueError, match=r"column 'score' must be numeric.*'high'"):
        model.predict_proba(bad)


def test_numeric_text_in_a_numeric_column_is_parsed(fitted: tuple) -> None:
    model, frame, _ = fitted
    as_text = frame.head(50).assign(score=frame["score"].head(50).astype("str"))
    np.testing.assert_allclose(model.predict_proba(as_text), model.predict_proba(frame.head(50)))


def test_random_state_is_honoured() -> None:
    frame, y = mixed_frame(800, seed=3)
    first = LeadConversionModel(random_state=5).fit(frame, y).predict_proba(frame)
    again = LeadConversionModel(random_state=5).fit(frame, y).predict_proba(frame)
    other = LeadConversionModel(random_state=6).fit(frame, y).predict_proba(frame)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_calibration_set_and_calibrate() -> None:
    frame, y = mixed_frame(3000, seed=1)
    model = LeadConversionModel(random_state=0).fit(
        frame.iloc[:2000], y[:2000], calibration_set=(frame.iloc[2000:], y[2000:]))
    assert model.calibrator_.method is CalibrationMethod.SIGMOID
    before = model.predict_proba(frame)
    # calibrating on labels that are all 1 except a few pushes every probability up
    skewed = np.ones(1000, dtype=int)
    skewed[:50] = 0
    after = model.calibrate(frame.iloc[2000:], skewed).predict_proba(frame)
    assert (after[:, 1] > before[:, 1]).all()


def test_isotonic_calibration_keeps_the_ranking() -> None:
    frame, y = mixed_frame(3000, seed=2)
    model = LeadConversionModel(calibration="isotonic", random_state=0).fit(frame, y)
    raw, calibrated = model.raw_score(frame), model.predict_proba(frame)[:, 1]
    order = np.argsort(raw)
    assert (np.diff(calibrated[order]) >= -1e-12).all()


def test_contributions_add_up_to_the_raw_score(fitted: tuple) -> None:
    model, frame, _ = fitted
    contributions = model.contributions(frame.head(30))
    assert list(contributions.columns) == ["channel", "score", "webinar", "size", "bias"]
    np.testing.assert_allclose(contributions.sum(axis=1), model.raw_score(frame.head(30)))


def test_string_labels_and_binary_only() -> None:
    frame, y = mixed_frame(600, seed=4)
    labels = np.where(y == 1, "won", "lost")
    model = LeadConversionModel(random_state=0).fit(frame, labels)
    assert model.classes_.tolist() == ["lost", "won"]
    assert set(model.predict(frame)) <= {"lost", "won"}
    with pytest.raises(ValueError, match="Only binary classification"):
        clone(model).fit(frame, np.arange(600) % 3)


def test_save_and_load_give_the_same_predictions(fitted: tuple, tmp_path: Path) -> None:
    model, frame, _ = fitted
    save_conversion_model(tmp_path, model)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.json", "model.txt"]
    loaded = load_conversion_model(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.get_params() == model.get_params()
    assert list(loaded.feature_names_in_) == list(frame.columns)


def test_load_without_a_model_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="dvc repro train_conversion"):
        load_conversion_model(tmp_path)
