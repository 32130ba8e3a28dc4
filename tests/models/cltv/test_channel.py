"""New-customer CLTV per channel and CAC: hand-made frames and the simulator's truth."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from features.contract import Dataset, data_end, validate_tables
from models.cltv.backtest import backtest_cltv
from models.cltv.channel import (
    REPORT_COLUMNS,
    ChannelSettings,
    NewCustomerModel,
    acquisition_rows,
    channel_cac,
    channel_cltv,
    channel_report,
    scaled_target,
)
from models.cltv.model import CLTVConfig
from models.simulation.generator import simulate_world

AS_OF = pd.Timestamp("2024-04-01")


def customers() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["C2", "C1"],
        "acquired_at": pd.to_datetime(["2024-03-01 09:00", "2024-01-01 10:00"]),
        "acquisition_channel": ["organic", "display"],
    })


def orders() -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
        "customer_id": ["C1", "C1", "C1", "C1", "C2", "C2"],
        "ordered_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 18:00", "2024-01-05 00:00",
                                      "2024-06-01 00:00", "2024-03-01 09:00", "2024-03-20 00:00"]),
        "revenue": [50.0, 10.0, 20.0, 40.0, 30.0, 5.0],
    })


def test_acquisition_rows_by_hand() -> None:
    rows = acquisition_rows(customers(), orders(), AS_OF, 365, "revenue").set_index("customer_id")
    # C1: acquisition day 60 (2 orders); 91 days observed; the June order is after as_of
    assert rows.loc["C1", ["first_day_value", "first_day_orders", "observed_days",
                           "window_value"]].tolist() == [60.0, 2.0, 91.0, 80.0]
    # C2: 30 on the day, 31 days observed, 35 in them
    assert rows.loc["C2", ["first_day_value", "observed_days", "window_value"]].tolist() == [
        30.0, 31.0, 35.0]


def test_scaled_target_keeps_the_first_day_and_scales_the_rest() -> None:
    rows = acquisition_rows(customers(), orders(), AS_OF, 365, "revenue").set_index("customer_id")
    target = scaled_target(rows, lambda days: np.asarray(days) / 10.0, 365)
    assert target.tolist() == pytest.approx([60 + 20 * 365 / 91, 30 + 5 * 365 / 31])
    full = rows.assign(observed_days=365.0)
    assert scaled_target(full, lambda days: np.sqrt(days), 365).tolist() == [80.0, 35.0]


def test_channel_cac_by_hand() -> None:
    spend = pd.DataFrame({
        "week": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-08", "2024-01-15"]),
        "channel": ["display", "display", "events", "events"],
        "spend": [100.0, 300.0, 50.0, 70.0],
    })
    people = pd.DataFrame({
        "acquired_at": pd.to_datetime(["2024-01-09", "2024-01-20", "2024-01-10", "2024-01-02"]),
        "acquisition_channel": ["display", "display", "organic", "display"],
    })
    # last 2 weeks: 2024-01-08 to 2024-01-21; display spent 300, won 2; events 120, won 0
    cac = channel_cac(spend, people, weeks=2).set_index("channel")["cac"]
    assert cac["display"] == 150.0
    assert np.isnan(cac["events"])
    assert "organic" not in cac.index


def test_channel_report_leaves_unpaid_channels_without_cac() -> None:
    cltv = pd.DataFrame({"channel": ["display", "organic"], "customers": [3, 4],
                         "cltv_mean": [300.0, 500.0], "cltv_p10": [1.0, 2.0],
                         "cltv_p90": [3.0, 4.0]})
    report = channel_report(cltv, pd.DataFrame({"channel": ["display"], "cac": [150.0]}))
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert report["cltv_to_cac"].iloc[0] == 2.0
    assert report.loc[1, ["cac", "cltv_to_cac"]].isna().all()


@cache
def default_world() -> tuple[Dataset, dict[str, Any]]:
    world = simulate_world(42, "default")
    tables = {"customers": world.customers, "orders": world.orders, "spend": world.spend,
              "leads": world.leads}
    return validate_tables(tables), world.truth


def test_channel_cltv_recovers_the_simulated_truth() -> None:
    data, truth = default_world()
    end, settings = data_end(data), ChannelSettings()
    model = NewCustomerModel(CLTVConfig(), settings).fit(data.customers, data.orders, end)
    table = channel_cltv(model.predict(data.customers, data.orders, end), model.channel_spread_,
                         end, settings).set_index("channel")
    paid = [name for name, channel in truth["channels"].items() if channel["paid"]]
    expected = pd.Series({name: truth["channels"][name]["cltv_365"] for name in paid})
    errors = table.loc[paid, "cltv_mean"] / expected - 1
    assert (errors.abs() <= 0.15).all(), errors.to_dict()
    assert spearmanr(table.loc[paid, "cltv_mean"], expected).statistic >= 0.9
    assert (table["cltv_p10"] < table["cltv_mean"]).all()
    assert (table["cltv_mean"] < table["cltv_p90"]).all()


def test_customer_intervals_cover_realised_value_in_a_backtest() -> None:
    data, _ = default_world()
    t0 = data_end(data) - pd.Timedelta(days=365)
    metrics, scored = backtest_cltv(data.customers, data.orders, t0, CLTVConfig())
    assert 0.70 <= metrics["lightgbm"]["interval_coverage"] <= 0.90
    assert metrics["lightgbm"]["spearman"] > metrics["btyd"]["spearman"]
    assert abs(metrics["lightgbm"]["aggregate_error"]) <= 0.10
    assert len(scored) == (data.customers["acquired_at"] < t0).sum()
