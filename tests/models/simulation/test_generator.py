"""The simulator: deterministic, consistent tables, and truth that the data actually follow."""

from __future__ import annotations

import filecmp
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.simulation.export import write_world
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data
from models.simulation.truth import plan_values


@pytest.fixture(scope="module")
def default_world():
    return simulate_world(42, "default")


@pytest.fixture(scope="module")
def small_world():
    return simulate_world(3, "small")


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    write_world(tmp_path / "a", 11, "small")
    write_world(tmp_path / "b", 11, "small")
    names = ["customers.csv", "orders.csv", "spend.csv", "leads.csv", "truth.json"]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert match == names and not mismatch and not errors


def test_different_seeds_differ(tmp_path: Path) -> None:
    write_world(tmp_path / "a", 1, "small")
    write_world(tmp_path / "b", 2, "small")
    a, b = tmp_path / "a" / "leads.csv", tmp_path / "b" / "leads.csv"
    assert not filecmp.cmp(a, b, shallow=False)


def test_small_scale_is_fast_and_about_5k_leads() -> None:
    started = time.perf_counter()
    world = simulate_world(5, "small")
    assert time.perf_counter() - started < 5.0
    assert 3_500 <= len(world.leads) <= 7_000


def test_default_scale_has_about_100k_leads(default_world) -> None:
    assert 80_000 <= len(default_world.leads) <= 130_000


def test_channels_weeks_and_flighting(default_world) -> None:
    spend = default_world.spend
    assert spend["week"].nunique() == 156
    assert (spend["week"].dt.dayofweek == 0).all()
    assert spend["channel"].nunique() >= 6
    unpaid = set(default_world.leads["channel"]) - set(spend["channel"])
    assert unpaid == {"organic"}
    assert (spend["spend"] == 0).any(), "dark weeks"
    wide = spend.pivot(index="week", columns="channel", values="spend")
    assert (wide.max() > 1.8 * wide.median()).all(), "bursts widen the spend range"


def test_tables_are_consistent(small_world) -> None:
    leads, customers, orders = small_world.leads, small_world.customers, small_world.orders
    won = leads.dropna(subset=["customer_id"]).set_index("customer_id")
    assert set(won.index) == set(customers["customer_id"])
    acquired = customers.set_index("customer_id")["acquired_at"]
    assert (won.loc[acquired.index, "converted_at"] == acquired).all()
    first_order = orders.groupby("customer_id")["ordered_at"].min()
    assert (first_order.loc[acquired.index] == acquired).all(), "acquisition order at acquisition"
    assert orders["order_id"].is_unique and (orders["revenue"] >= 0).all()
    assert (orders["ordered_at"] < end_of_data()).all()
    won_leads = leads[leads["converted_at"].notna()]
    assert (won_leads["converted_at"] >= won_leads["created_at"]).all()
    assert leads.loc[leads["converted_at"].notna(), "sql_at"].notna().all()


def test_empirical_conversion_matches_truth(default_world) -> None:
    leads = default_world.leads
    closed = leads[leads["created_at"] <= end_of_data() - pd.Timedelta(days=120)]
    rate = closed["converted_at"].notna().groupby(closed["channel"]).mean()
    for channel, truth in default_world.truth["channels"].items():
        assert rate[channel] == pytest.approx(truth["p_convert"], rel=0.10), channel


def test_empirical_cltv_of_observed_cohorts_matches_truth(default_world) -> None:
    customers, orders = default_world.customers, default_world.orders
    observed = customers[customers["acquired_at"] <= end_of_data() - pd.Timedelta(days=365)]
    joined = orders.merge(observed[["customer_id", "acquired_at", "acquisition_channel"]])
    in_year = joined[joined["ordered_at"] < joined["acquired_at"] + pd.Timedelta(days=365)]
    value = in_year.groupby("customer_id")["revenue"].sum()
    per_channel = value.groupby(observed.set_index("customer_id")["acquisition_channel"]).mean()
    for channel, truth in default_world.truth["channels"].items():
        assert per_channel[channel] == pytest.approx(truth["cltv_365"], rel=0.10), channel


def test_oracle_beats_current_and_lead_volume_plan(default_world) -> None:
    plans = default_world.truth["plans"]
    assert plans["oracle"]["value"] > plans["current"]["value"]
    assert plans["lead_volume"]["value"] <= 0.85 * plans["oracle"]["value"]
    budget = default_world.truth["budget"]["weekly"]
    for plan in plans.values():
        assert sum(plan["spend"].values()) == pytest.approx(budget, rel=1e-9)


def test_plan_values_recompute_from_truth(default_world) -> None:
    truth = default_world.truth
    economics = pd.DataFrame(truth["channels"]).T.astype({"value_per_lead": float})
    plans = {k: pd.Series(v["spend"]) for k, v in truth["plans"].items()}
    values = plan_values(plans, economics, multiplier=1.0)
    for name, value in values.items():
        assert value == pytest.approx(truth["plans"][name]["value"], rel=1e-9)


def test_touches_are_pure_activity(default_world) -> None:
    leads = default_world.leads
    closed = leads[leads["created_at"] <= end_of_data() - pd.Timedelta(days=120)]
    converted = closed["converted_at"].notna().astype(float)
    within_team = closed.assign(c=converted).groupby("team").apply(
        lambda g: np.corrcoef(g["touches"], g["c"])[0, 1], include_groups=False)
    assert within_team.abs().max() < 0.05
