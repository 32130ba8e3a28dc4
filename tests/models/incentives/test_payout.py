"""Payout arithmetic, each expected number worked out by hand in the comment beside it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from models.incentives.payout import (
    kpi_attainment,
    payout_table,
    team_attainment,
    tier_bonus,
    variable_pay,
)
from models.incentives.plan import HIGHER, LOWER, IncentivePlan, Scheme, Tier

SCHEME = Scheme("test", {"revenue": 0.5, "cac": 0.5}, {"revenue": HIGHER, "cac": LOWER})


def plan(**changes: object) -> IncentivePlan:
    values: dict[str, object] = dict(
        name="p", scheme="test", base=5000.0, variable=1000.0, kpi_share=0.7, admin_share=0.3,
        admin_attainment=1.0, floor=0.5, cap=1.5, kpi_cap=2.0,
        tiers=(Tier("revenue", 1.2, 0.03),))
    return IncentivePlan(**(values | changes))  # type: ignore[arg-type]


def test_one_kpi_attainment_follows_its_direction_and_its_cap() -> None:
    assert kpi_attainment(150.0, 100.0, HIGHER, 2.0) == pytest.approx(1.5)
    assert kpi_attainment(80.0, 100.0, LOWER, 2.0) == pytest.approx(1.25)  # 100 / 80
    assert kpi_attainment(500.0, 100.0, HIGHER, 2.0) == 2.0                # capped
    assert kpi_attainment(0.0, 100.0, HIGHER, 2.0) == 0.0                  # zero attainment
    assert math.isnan(kpi_attainment(math.nan, 100.0, HIGHER, 2.0))


def test_team_attainment_is_the_weighted_mean_over_the_kpis_it_has() -> None:
    # revenue 150/100 = 1.5, cac 100/80 = 1.25: (0.5 * 1.5 + 0.5 * 1.25) / 1 = 1.375
    value, missing = team_attainment({"revenue": 150.0, "cac": 80.0},
                                     {"revenue": 100.0, "cac": 100.0}, SCHEME, 2.0)
    assert value == pytest.approx(1.375) and missing == []
    # cac missing: the weight renormalises over revenue alone, 1.5, and cac is named
    value, missing = team_attainment({"revenue": 150.0}, {"revenue": 100.0, "cac": 100.0},
                                     SCHEME, 2.0)
    assert value == pytest.approx(1.5) and missing == ["cac"]


def test_variable_pay_floor_cap_and_admin_part() -> None:
    # 1000 x (0.7 x 1.0 + 0.3 x 1.0) = 1000
    assert variable_pay(1.0, plan()) == pytest.approx(1000.0)
    # above the cap 1.5: 1000 x (0.7 x 1.5 + 0.3) = 1350
    assert variable_pay(1.8, plan()) == pytest.approx(1350.0)
    # below the floor 0.5: the KPI part is 0, the admin part stays: 300
    assert variable_pay(0.4, plan()) == pytest.approx(300.0)
    assert variable_pay(0.0, plan()) == pytest.approx(300.0)
    # admin attainment 0.5: 1000 x (0.7 x 1.0 + 0.3 x 0.5) = 850
    assert variable_pay(1.0, plan(admin_attainment=0.5)) == pytest.approx(850.0)


def test_marginal_tiers_pay_each_rate_on_its_own_band() -> None:
    # 3% of the part above 120% of target: 0.03 x (150 - 120) = 0.9
    assert tier_bonus(150.0, 100.0, (Tier("revenue", 1.2, 0.03),)) == pytest.approx(0.9)
    # 3% on 120..150, 5% above 150: 0.03 x 30 + 0.05 x (180 - 150) = 0.9 + 1.5 = 2.4
    tiers = (Tier("revenue", 1.5, 0.05), Tier("revenue", 1.2, 0.03))
    assert tier_bonus(180.0, 100.0, tiers) == pytest.approx(2.4)
    assert tier_bonus(110.0, 100.0, tiers) == 0.0
    assert tier_bonus(180.0, math.nan, tiers) == 0.0


def test_payout_table_adds_up_per_team() -> None:
    scorecard = pd.DataFrame({"team": ["a", "b"], "revenue": [150_000.0, 40_000.0],
                              "revenue_target": [100_000.0, 100_000.0],
                              "cac": [80.0, math.nan], "cac_target": [100.0, 100.0]})
    table = payout_table(scorecard, SCHEME, plan())
    a = table.set_index("team").loc["a"]
    # attainment 1.375 -> variable 1000 x (0.7 x 1.375 + 0.3) = 1262.5;
    # tier 0.03 x (150,000 - 120,000) = 900; total 5000 + 1262.5 + 900 = 7162.5
    assert a["attainment"] == pytest.approx(1.375)
    assert a["variable"] == pytest.approx(1262.5)
    assert a["tier_bonus"] == pytest.approx(900.0)
    assert a["total"] == pytest.approx(7162.5)
    b = table.set_index("team").loc["b"]
    # cac missing: attainment 0.4 from revenue alone, below the floor: 300; no tier bonus
    assert b["attainment"] == pytest.approx(0.4) and b["kpis_missing"] == "cac"
    assert b["total"] == pytest.approx(5300.0)
    assert list(table["team"]) == ["a", "b"]  # by total, highest first
