"""Referral worlds: named staff bring organic leads; the truth adds up; nothing else moves."""

from __future__ import annotations

import pandas as pd
import pytest

from features.contract import validate_tables
from models.simulation.generator import simulate_world
from models.simulation.referrals import REFERRAL_CHANNEL


@pytest.fixture(scope="module")
def worlds() -> tuple:
    return simulate_world(5, "small"), simulate_world(5, "small", referrals=True)


def test_referrals_relabel_organic_leads_only(worlds: tuple) -> None:
    plain, referred = worlds
    changed = plain.leads["channel"] != referred.leads["channel"]
    assert (plain.leads.loc[changed, "channel"] == "organic").all()
    assert (referred.leads.loc[changed, "channel"] == REFERRAL_CHANNEL).all()
    assert referred.leads["referred_by"].notna().equals(changed)
    unchanged = plain.leads.drop(columns="channel")
    assert unchanged.equals(referred.leads.drop(columns=["channel", "referred_by"]))
    assert plain.orders.equals(referred.orders) and plain.staff is None


def test_a_referral_world_passes_the_contract(worlds: tuple) -> None:
    _, world = worlds
    data = validate_tables({"customers": world.customers, "orders": world.orders,
                            "spend": world.spend, "leads": world.leads, "staff": world.staff})
    assert data.staff is not None and len(data.staff) == 12


def test_the_truth_counts_every_referral_once(worlds: tuple) -> None:
    _, world = worlds
    truth = pd.DataFrame(world.truth["referrals"]["staff"]).T
    counts = world.leads["referred_by"].value_counts()
    assert truth["referred_leads"].astype(int).to_dict() == counts.to_dict()
    converted = world.leads.loc[world.leads["customer_id"].notna(), "referred_by"].value_counts()
    assert truth["converted"].astype(int).sum() == converted.sum()
    assert (truth["expected_value"].astype(float) > 0).all()
    # a few people refer most: the most active member refers more than the least active
    assert counts.iloc[0] > 2 * counts.iloc[-1]
