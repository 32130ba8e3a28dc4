import numpy as np
import pandas as pd
import pytest

from features._checks import MissingColumnsError
from features.contract import Dataset, data_end
from features.kpis import (
    KPI_NAMES,
    KpiWindows,
    build_kpi_panel,
    complete_months,
    customer_teams,
    value_within_days,
)
from models.simulation.generator import simulate_world

AS_OF = pd.Timestamp("2024-04-01")
WINDOWS = KpiWindows(conversion_days=30, value_days=10, cohort_days=30, retention_days=30)
NaT = pd.NaT
JAN, FEB, MAR = (pd.Timestamp(f"2024-0{m}-01") for m in (1, 2, 3))


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def make_dataset(with_leads: bool = True) -> Dataset:
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5"],
        "created_at": [ts("2024-01-05"), ts("2024-01-10"), ts("2024-01-15"),
                       ts("2024-02-10"), ts("2024-03-05")],
        "channel": ["paid_search", "paid_search", "paid_search", "events", "organic"],
        "team": ["north", "north", "south", "south", "north"],
        "touches": [4.0, 2.0, 6.0, 1.0, 3.0],
        "mql_at": [ts("2024-01-06"), ts("2024-01-12"), ts("2024-01-16"), NaT, NaT],
        "sql_at": [ts("2024-01-10"), NaT, ts("2024-01-20"), NaT, NaT],
        "converted_at": [ts("2024-01-20"), NaT, ts("2024-03-25"), NaT, ts("2024-03-10")],
        "customer_id": ["C1", None, "C2", None, "C3"],
    })
    customers = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4"],
        "acquired_at": [ts("2024-01-20"), ts("2024-03-25"), ts("2024-03-10"), ts("2024-02-01")],
        "acquisition_channel": ["paid_search", "paid_search", "organic", "events"],
        # C1's lead says north: the lead's team wins; C4 has no lead, so its own team counts.
        "team": ["south", "south", "north", "south"],
    })
    orders = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(1, 8)],
        "customer_id": ["C1", "C1", "C1", "C4", "C4", "C3", "C2"],
        "ordered_at": [ts("2024-01-20"), ts("2024-01-25"), ts("2024-02-15"), ts("2024-02-01"),
                       ts("2024-02-20"), ts("2024-03-10"), ts("2024-03-25")],
        "revenue": [100.0, 50.0, 30.0, 200.0, 40.0, 80.0, 60.0],
    })
    spend = pd.DataFrame({
        "week": [ts("2024-01-01"), ts("2024-01-29"), ts("2024-02-26")],
        "channel": ["paid_search", "paid_search", "events"],
        "spend": [700.0, 700.0, 1400.0],
    })
    return Dataset(customers=customers, orders=orders, spend=spend,
                   leads=leads if with_leads else None)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return build_kpi_panel(make_dataset(), AS_OF, WINDOWS).set_index(["team", "month"])


def value(panel: pd.DataFrame, team: str, month: pd.Timestamp, kpi: str) -> float:
    return float(panel.loc[(team, month), kpi])


def test_shape_names_and_months(panel: pd.DataFrame) -> None:
    assert list(panel.columns) == list(KPI_NAMES)
    assert panel.index.get_level_values("team").unique().tolist() == ["north", "south"]
    assert panel.index.get_level_values("month").unique().tolist() == [JAN, FEB, MAR]


def test_volume_kpis_by_hand(panel: pd.DataFrame) -> None:
    assert [value(panel, "north", m, "leads") for m in (JAN, FEB, MAR)] == [2, 0, 1]
    assert [value(panel, "south", m, "leads") for m in (JAN, FEB, MAR)] == [1, 1, 0]
    assert [value(panel, "north", m, "new_customers") for m in (JAN, FEB, MAR)] == [1, 0, 1]
    assert [value(panel, "south", m, "new_customers") for m in (JAN, FEB, MAR)] == [0, 1, 1]
    assert [value(panel, "north", m, "revenue") for m in (JAN, FEB, MAR)] == [150, 30, 80]
    assert [value(panel, "south", m, "revenue") for m in (JAN, FEB, MAR)] == [0, 240, 60]
    assert value(panel, "north", JAN, "activity_per_lead") == 3.0  # (4 + 2) / 2
    assert value(panel, "south", JAN, "activity_per_lead") == 6.0
    assert np.isnan(value(panel, "north", FEB, "activity_per_lead"))  # no leads


def test_cohort_rates_use_closed_windows(panel: pd.DataFrame) -> None:
    # February ends on Mar 1: the cohort is created in [Jan 1, Jan 31) with 30-day windows.
    assert value(panel, "north", FEB, "lead_to_customer_rate") == 0.5  # L1 won, L2 not
    assert value(panel, "south", FEB, "lead_to_customer_rate") == 0.0  # L3 won after 70 days
    assert value(panel, "north", FEB, "mql_to_sql_rate") == 0.5
    assert value(panel, "south", FEB, "mql_to_sql_rate") == 1.0
    assert np.isnan(value(panel, "north", JAN, "lead_to_customer_rate"))  # nothing closed yet
    assert value(panel, "south", MAR, "lead_to_customer_rate") == 0.0  # L4, created Feb 10


def test_cycle_time_value_and_retention_by_hand(panel: pd.DataFrame) -> None:
    assert value(panel, "north", JAN, "median_days_to_convert") == 15.0
    assert value(panel, "north", MAR, "median_days_to_convert") == 5.0
    assert value(panel, "south", MAR, "median_days_to_convert") == 70.0
    # First-10-day value of customers acquired 40 to 10 days before the month end.
    assert value(panel, "north", JAN, "avg_cltv_new") == 150.0
    assert value(panel, "south", FEB, "avg_cltv_new") == 200.0  # the day-19 order is later
    assert value(panel, "north", MAR, "avg_cltv_new") == 80.0
    # Acquired 60 to 30 days before the month end, ordered in its last 30 days.
    assert value(panel, "north", FEB, "retention_90d") == 1.0
    assert value(panel, "south", MAR, "retention_90d") == 0.0


def test_cac_attributes_spend_by_lead_share(panel: pd.DataFrame) -> None:
    # January paid_search: 700 + 3/7 of 700 = 1000, north has 2 of its 3 leads.
    assert value(panel, "north", JAN, "cac") == pytest.approx(2000 / 3)
    assert np.isnan(value(panel, "south", JAN, "cac"))  # no new customers
    # February events: 4 days of 200 (leap year), all south; paid_search has no Feb leads.
    assert value(panel, "south", FEB, "cac") == pytest.approx(800.0)


def test_teams_come_from_leads_then_customers() -> None:
    data = make_dataset()
    teams = customer_teams(data.customers, data.leads)
    assert teams.to_dict() == {"C1": "north", "C2": "south", "C3": "north", "C4": "south"}


def test_without_leads_only_customer_kpis() -> None:
    panel = build_kpi_panel(make_dataset(with_leads=False), AS_OF, WINDOWS)
    kpis = [c for c in panel.columns if c not in ("team", "month")]
    assert kpis == ["new_customers", "avg_cltv_new", "cac", "retention_90d", "revenue"]
    # C1 now counts for south (its own team); the spend splits by new customers.
    south = panel.set_index(["team", "month"]).loc[("south", JAN)]
    assert south["new_customers"] == 1 and south["cac"] == pytest.approx(1000.0)


def test_missing_column_is_named() -> None:
    data = make_dataset()
    broken = Dataset(customers=data.customers, orders=data.orders.drop(columns="ordered_at"),
                     spend=data.spend, leads=data.leads)
    with pytest.raises(MissingColumnsError, match="ordered_at"):
        build_kpi_panel(broken, AS_OF, WINDOWS)


def test_inputs_are_not_modified() -> None:
    data, copy = make_dataset(), make_dataset()
    build_kpi_panel(data, AS_OF, WINDOWS)
    for name, frame in data.tables().items():
        pd.testing.assert_frame_equal(frame, copy.tables()[name])


def test_complete_months_and_window_values() -> None:
    months = complete_months(ts("2024-01-15"), ts("2024-03-31 12:00"))
    assert months.tolist() == [JAN, FEB]  # March is not over
    data = make_dataset()
    assert value_within_days(data.customers, data.orders, 10.0).tolist() == [150, 60, 80, 200]


def _after(data: Dataset, cutoff: pd.Timestamp, rng: np.random.Generator) -> Dataset:
    """Change everything dated at or after ``cutoff``; nothing before it."""
    leads = data.leads.copy()
    late = leads["converted_at"] >= cutoff
    leads.loc[late, "converted_at"] += pd.Timedelta(days=3)
    leads.loc[leads["sql_at"] >= cutoff, "sql_at"] = pd.NaT
    new = leads["created_at"] >= cutoff
    leads.loc[new, "touches"] = leads.loc[new, "touches"] * 5
    leads.loc[new, "team"] = rng.permutation(leads.loc[new, "team"].to_numpy())
    orders = data.orders.copy()
    later = orders["ordered_at"] >= cutoff
    orders.loc[later, "revenue"] = orders.loc[later, "revenue"] * 3
    orders = orders.loc[~later | (rng.random(len(orders)) < 0.5)]
    spend = data.spend.copy()
    spend.loc[spend["week"] >= cutoff, "spend"] *= 2
    customers = data.customers.copy()
    customers.loc[customers["acquired_at"] >= cutoff, "acquisition_channel"] = "display"
    return Dataset(customers=customers, orders=orders, spend=spend, leads=leads)


def test_data_after_a_month_end_does_not_change_that_month() -> None:
    world = simulate_world(5, "small")
    data = Dataset(customers=world.customers, orders=world.orders, spend=world.spend,
                   leads=world.leads)
    end = data_end(data)
    cutoff = pd.Timestamp("2024-07-01")
    before = build_kpi_panel(data, end)
    after = build_kpi_panel(_after(data, cutoff, np.random.default_rng(0)), end)
    early = before["month"] < cutoff
    assert early.sum() > 20
    pd.testing.assert_frame_equal(before.loc[early], after.loc[after["month"] < cutoff])
    changed = before.loc[~early, list(KPI_NAMES)].to_numpy()
    assert not np.allclose(changed, after.loc[~early, list(KPI_NAMES)].to_numpy(),
                           equal_nan=True)  # the perturbation did reach later months
