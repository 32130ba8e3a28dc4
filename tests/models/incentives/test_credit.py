"""Staff credit for referrals, worked out by hand on five leads."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from models.incentives.credit import referral_rewards, staff_credit

LEADS = pd.DataFrame({
    "lead_id": ["L1", "L2", "L3", "L4", "L5"],
    "channel": ["referral", "referral", "referral", "paid_search", "referral"],
    "referred_by": ["S1", "S1", "S2", None, "S1"],
    "customer_id": ["C1", None, None, "C2", None],
})
P = pd.Series({"L1": 0.5, "L2": 0.2, "L3": 0.4, "L5": 0.1})
CLTV = pd.Series({"referral": 1000.0, "paid_search": 800.0})
STAFF = pd.DataFrame({"staff_id": ["S1", "S2"], "department": ["engineering", "support"],
                      "role": ["developer", "support agent"]})


def test_direct_support_and_expected_value_per_member() -> None:
    credit = staff_credit(LEADS, P, CLTV, pd.Series(["L2", "L3"]), STAFF).set_index("staff_id")
    s1 = credit.loc["S1"]
    # S1: L1 converted (direct 1000), L2 open (support 0.2 x 1000 = 200), L5 closed (nothing);
    # expected value (0.5 + 0.2 + 0.1) x 1000 = 800
    assert (s1["referred_leads"], s1["converted"], s1["open_leads"]) == (3, 1, 1)
    assert s1["direct_value"] == pytest.approx(1000.0)
    assert s1["support_value"] == pytest.approx(200.0)
    assert s1["expected_value"] == pytest.approx(800.0)
    assert s1["department"] == "engineering"
    s2 = credit.loc["S2"]
    assert (s2["direct_value"], s2["support_value"], s2["expected_value"]) == pytest.approx(
        (0.0, 400.0, 400.0))
    assert list(credit.index) == ["S1", "S2"]  # largest expected value first


def test_rewards_pay_a_large_rate_for_deals_and_a_basic_one_for_support() -> None:
    credit = staff_credit(LEADS, P, CLTV, pd.Series(["L2", "L3"]), None)
    rewards = referral_rewards(credit, direct_rate=0.1, support_rate=0.02).set_index("staff_id")
    # S1: 0.1 x 1000 + 0.02 x 200 = 104; S2: 0.02 x 400 = 8
    assert rewards.loc["S1", "reward"] == pytest.approx(104.0)
    assert rewards.loc["S2", "reward"] == pytest.approx(8.0)
    assert math.isnan(rewards.loc["S1", "department"])


def test_without_cltv_the_values_are_unknown_not_zero() -> None:
    credit = staff_credit(LEADS, P, None, pd.Series(dtype=str), None)
    assert credit["expected_value"].isna().all() and credit["direct_value"].isna().all()
