import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features._checks import MissingColumnsError
from models.kpi.scorecard import (
    TargetRule,
    build_scorecard,
    next_month_targets,
    percentile_scores,
    scorecard_directions,
)
from models.kpi.weights import HIGHER, LOWER

MONTHS = pd.date_range("2024-01-01", periods=4, freq="MS")
WEIGHTS = {"new_customers": 0.5, "cac": 0.3, "retention_90d": 0.2}
DIRECTIONS = {"new_customers": HIGHER, "cac": LOWER, "retention_90d": HIGHER}


def make_panel() -> pd.DataFrame:
    rows = []
    for month_index, month in enumerate(MONTHS):
        for team, level in [("a", 1.0), ("b", 1.0), ("c", 1.5), ("d", 0.5)]:
            rows.append({"team": team, "month": month,
                         "new_customers": 10 * level + month_index,
                         "cac": 500 / level, "retention_90d": 0.5 * level})
    panel = pd.DataFrame(rows)
    # In the latest month b beats a on every KPI, in its direction.
    latest_b = (panel["team"] == "b") & (panel["month"] == MONTHS[-1])
    panel.loc[latest_b, ["new_customers", "cac", "retention_90d"]] = [20.0, 400.0, 0.6]
    return panel


def test_team_improving_every_kpi_scores_higher() -> None:
    card = build_scorecard(make_panel(), WEIGHTS, DIRECTIONS).set_index("team")
    assert card.loc["b", "score"] > card.loc["a", "score"]
    assert card.loc["b", "rank"] < card.loc["a", "rank"]
    for kpi in WEIGHTS:
        assert card.loc["b", f"{kpi}_score"] > card.loc["a", f"{kpi}_score"]


def test_scorecard_columns_scores_and_ranks() -> None:
    card = build_scorecard(make_panel(), WEIGHTS, DIRECTIONS)
    assert list(card.columns[:4]) == ["team", "month", "score", "rank"]
    for kpi in WEIGHTS:
        assert {kpi, f"{kpi}_score", f"{kpi}_target"} <= set(card.columns)
    assert sorted(card["team"]) == ["a", "b", "c", "d"]
    assert (card["month"] == MONTHS[-1]).all()
    scored = card[[f"{kpi}_score" for kpi in WEIGHTS]]
    assert ((scored >= 0) & (scored <= 100)).all().all()
    expected = sum(w * card[f"{kpi}_score"] for kpi, w in WEIGHTS.items())
    np.testing.assert_allclose(card["score"], expected)
    assert card["rank"].tolist() == sorted(card["rank"].tolist())
    assert card["rank"].iloc[0] == 1


def test_percentile_scores_by_hand() -> None:
    reference = np.array([1.0, 2.0, 3.0, 4.0])
    scores = percentile_scores(np.array([0.0, 2.0, 5.0, np.nan]), reference, HIGHER)
    np.testing.assert_allclose(scores, [0.0, 37.5, 100.0, 50.0])  # 2: (1 + 0.5) / 4
    lower = percentile_scores(np.array([0.0, 5.0]), reference, LOWER)
    np.testing.assert_allclose(lower, [100.0, 0.0])


def test_targets_by_hand() -> None:
    panel = pd.DataFrame({
        "team": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
        "month": list(MONTHS[:3]) * 3,
        "new_customers": [10.0, 12.0, 20.0, 30.0, 30.0, 30.0, 40.0, 40.0, 40.0],
    })
    targets = next_month_targets(panel, "new_customers", HIGHER, TargetRule())
    # a: forecast 14, peers' 75th percentile of [30 x 3, 40 x 3] is 40 -> 14 + 0.5 * 26.
    assert targets["a"] == pytest.approx(27.0)
    # c is already above its peers' goal: its target is its own level.
    assert targets["c"] == pytest.approx(40.0)
    lower = next_month_targets(panel, "new_customers", LOWER, TargetRule())
    # Lower is better for a: peers' 25th percentile of b and c is 30, worse than 14.
    assert lower["a"] == pytest.approx(12.0)  # never worse than its own median


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(0, 1000, allow_nan=False), min_size=12, max_size=12),
    stretch=st.floats(0, 1),
    quantile=st.floats(0.5, 1),
)
def test_higher_is_better_targets_never_below_recent_median(
    values: list[float], stretch: float, quantile: float
) -> None:
    panel = pd.DataFrame({"team": ["a"] * 4 + ["b"] * 4 + ["c"] * 4,
                          "month": list(MONTHS) * 3, "revenue": values})
    targets = next_month_targets(panel, "revenue", HIGHER, TargetRule(stretch, quantile, 3))
    recent = panel.loc[panel["month"].isin(MONTHS[-3:])]
    for team, median in recent.groupby("team")["revenue"].median().items():
        assert targets[team] >= median - 1e-9
    lower = next_month_targets(panel, "revenue", LOWER, TargetRule(stretch, quantile, 3))
    for team, median in recent.groupby("team")["revenue"].median().items():
        assert lower[team] <= median + 1e-9


def test_directions_fall_back_to_defaults_without_weight() -> None:
    table = pd.DataFrame({"kpi": ["cac", "leads", "revenue"], "weight": [0.0, 1.0, 0.0],
                          "direction": [HIGHER, LOWER, LOWER]})
    assert scorecard_directions(table) == {"cac": LOWER, "leads": LOWER, "revenue": HIGHER}


def test_missing_kpi_column_is_named() -> None:
    with pytest.raises(MissingColumnsError, match="cac"):
        build_scorecard(make_panel().drop(columns="cac"), WEIGHTS, DIRECTIONS)
