from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from features._checks import WEEK_NS
from features.contract import Dataset
from features.kpi_intensity import truncated_median
from features.kpi_reference import lagged_sum as trailing_sum
from features.kpi_segments import build_segments
from features.kpi_series import SeriesWindows, as_of_view, build_kpi_series, weekly_counts


def test_truncated_median_interpolates() -> None:
    curve = np.array([[0.0, 0.1, 0.2, 0.4]])  # half of F(H) = 0.2 is reached on day 2
    assert truncated_median(curve)[0] == pytest.approx(2.0)
    assert np.isnan(truncated_median(np.zeros((1, 3)))[0])


def test_trailing_sum_by_hand() -> None:
    matrix = np.array([[1.0, 2.0, 3.0, 4.0]])
    out = trailing_sum(matrix, width=2, lag=1)
    assert np.isnan(out[0, :2]).all()
    assert out[0, 2:].tolist() == [3.0, 5.0]


def tiny_world() -> Dataset:
    monday = pd.Timestamp("2024-01-01")
    created = [monday + pd.Timedelta(days=d) for d in (0, 1, 2, 8, 9, 15)]
    leads = pd.DataFrame({
        "lead_id": [f"L{i}" for i in range(6)], "created_at": created,
        "channel": ["a", "a", "b", "a", "b", "b"], "team": ["t1", "t2", "t1", "t1", "t2", "t1"],
        "converted_at": [created[0] + pd.Timedelta(days=3), pd.NaT, pd.NaT,
                         created[3] + pd.Timedelta(days=4), pd.NaT, pd.NaT],
        "customer_id": ["C1", None, None, "C2", None, None]})
    customers = pd.DataFrame({"customer_id": ["C1", "C2"],
                              "acquired_at": [created[0] + pd.Timedelta(days=3),
                                              created[3] + pd.Timedelta(days=4)],
                              "acquisition_channel": ["a", "a"]})
    orders = pd.DataFrame({"order_id": ["O1", "O2"], "customer_id": ["C1", "C2"],
                           "ordered_at": customers["acquired_at"], "revenue": [10.0, 20.0]})
    spend = pd.DataFrame({"week": [monday, monday + pd.Timedelta(weeks=1)],
                          "channel": ["a", "a"], "spend": [100.0, 50.0]})
    return Dataset(customers=customers, orders=orders, spend=spend, leads=leads)


def test_weekly_counts_per_segment_by_hand() -> None:
    series = build_kpi_series(tiny_world(), pd.Timestamp("2024-01-22"), SeriesWindows(min_rows=1))
    leads = series.loc[series["kpi"] == "leads"].set_index(["segment", "week"])["value"]
    assert leads[("total", pd.Timestamp("2024-01-01"))] == 3
    assert leads[("a", pd.Timestamp("2024-01-08"))] == 1
    assert leads[("t1", pd.Timestamp("2024-01-15"))] == 1
    new = series.loc[(series["kpi"] == "new_customers") & (series["segment"] == "a")]
    assert new["value"].tolist() == [1.0, 1.0, 0.0]


def test_weekly_counts_match_a_groupby_over_every_type_with_missing_codes() -> None:
    rng = np.random.default_rng(3)
    weeks = pd.date_range("2024-01-01", periods=6, freq="7D", unit="ns")
    n = 500
    stamps = weeks.asi8[0] + rng.integers(-WEEK_NS, 7 * WEEK_NS, n)  # some outside the weeks
    stamps[rng.random(n) < 0.1] = np.iinfo(np.int64).min  # NaT
    values = pd.DataFrame({"channel": rng.choice(["a", "b", None], n),
                           "team": rng.choice(["t1", "t2", "t3"], n)})
    lead_segments, _ = build_segments(values.assign(customer_id=None), pd.DataFrame(
        {"customer_id": pd.Series([], dtype="str"), "acquisition_channel": []}),
        pd.Series([], dtype="str"), max_levels=12)
    assert lead_segments is not None
    weights = rng.random(n)
    counted = weekly_counts(stamps, lead_segments, weeks, weights)
    week = (stamps - weeks.asi8[0]) // WEEK_NS
    labels = lead_segments.labels
    for code, (kind, segment) in enumerate(zip(labels["segment_type"], labels["segment"],
                                               strict=True)):
        rows = (week >= 0) & (week < len(weeks)) & (stamps != np.iinfo(np.int64).min)
        if kind != "total":
            rows &= values[kind].to_numpy() == segment
        expected = pd.Series(weights[rows]).groupby(week[rows]).sum().reindex(
            range(len(weeks)), fill_value=0.0)
        np.testing.assert_allclose(counted[code], expected.to_numpy(), rtol=1e-12)


def test_rows_after_as_of_change_nothing() -> None:
    data = tiny_world()
    as_of = pd.Timestamp("2024-01-15")
    before = build_kpi_series(data, as_of, SeriesWindows(min_rows=1))
    later = data.leads.assign(converted_at=data.leads["converted_at"].fillna(
        pd.Timestamp("2024-01-16")))
    extra = pd.DataFrame({"lead_id": ["L9"], "created_at": [pd.Timestamp("2024-01-20")],
                          "channel": ["a"], "team": ["t1"], "converted_at": [pd.NaT],
                          "customer_id": [None]})
    changed = Dataset(customers=data.customers, orders=data.orders, spend=data.spend,
                      leads=pd.concat([later, extra], ignore_index=True))
    after = build_kpi_series(changed, as_of, SeriesWindows(min_rows=1))
    pd.testing.assert_frame_equal(before, after)


def test_as_of_view_hides_later_conversions() -> None:
    view = as_of_view(tiny_world(), pd.Timestamp("2024-01-04"))
    assert view.leads is not None
    assert view.leads["converted_at"].isna().all()  # the first conversion is on Jan 4
    assert view.leads["customer_id"].isna().all()
    assert len(view.customers) == 0


def test_period_life_table_by_hand() -> None:
    from features.kpi_intensity import period_counts, period_incidence
    from features.kpi_segments import Segments

    begin = pd.Timestamp("2024-01-08")
    start = np.array([(begin - pd.Timedelta(days=3)).value, begin.value], dtype=np.int64)
    end = np.array([(begin + pd.Timedelta(days=2)).value, np.iinfo(np.int64).min],
                   dtype=np.int64)
    labels = pd.DataFrame({"segment_type": ["total"], "segment": ["total"]})
    segments = Segments(codes=np.zeros((1, 2), dtype=np.int64), labels=labels)
    at_risk, events = period_counts(start, end, segments, pd.DatetimeIndex([begin]), 10)
    # Lead A is at risk at ages 3, 4, 5 and converts at 5; lead B at ages 0..6.
    assert at_risk[0, 0].tolist() == [1, 1, 1, 2, 2, 2, 1, 0, 0, 0, 0]
    assert events[0, 0, 5] == 1 and events.sum() == 1
    curve = period_incidence(at_risk, events, 1)[0, 0]
    assert curve[4] == 0.0 and curve[5] == pytest.approx(0.5) and curve[10] == pytest.approx(0.5)
    assert truncated_median(curve[None, :])[0] == pytest.approx(4.5)


def test_period_counts_by_hand() -> None:
    from features.kpi_intensity import NAT, period_counts
    from features.kpi_segments import Segments

    ns = pd.Timestamp("2024-01-06 12:00").value, pd.Timestamp("2024-01-07").value
    start = np.array(ns, dtype=np.int64)
    end = np.array([NAT, pd.Timestamp("2024-01-09 06:00").value], dtype=np.int64)
    segments = Segments(codes=np.zeros((1, 2), dtype=np.int64),
                        labels=pd.DataFrame({"segment_type": ["total"], "segment": ["total"]}))
    weeks = pd.DatetimeIndex(["2024-01-01", "2024-01-08"]).as_unit("ns")
    at_risk, events = period_counts(start, end, segments, weeks, horizon_days=20)
    # A day of age counts in the week holding its end; the event's day in the event's week.
    assert at_risk[0, 0].tolist()[:2] == [2.0, 0.0]
    assert at_risk[0, 1].tolist()[:9] == [0.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    assert events[0, 1, 2] == 1.0 and events.sum() == 1.0


def staged_world(slow_mql_from: int | None) -> Dataset:
    """100 leads a day for 40 weeks: MQL after ~8 days (lognormal), SQL 10 days later, a
    third won after 90 days.

    From week ``slow_mql_from`` on, new leads take 1.5 times as long to MQL; every later
    stamp keeps its time, so the conversions alone carry no sign of it.
    """
    start = pd.Timestamp("2024-01-01")
    days = np.repeat(np.arange(40 * 7), 100)
    created = start + pd.to_timedelta(days, unit="D") + pd.to_timedelta(
        np.tile(np.arange(100) * 10, 40 * 7), unit="min")
    quantiles = NormalDist().inv_cdf  # lognormal: an exponential's stretch is a rate drop
    mql_days = np.tile([8.0 * np.exp(0.5 * quantiles((i + 0.5) / 100)) for i in range(100)],
                       40 * 7)
    if slow_mql_from is not None:
        mql_days[days >= 7 * slow_mql_from] *= 1.5
    won = np.tile(np.arange(100) % 3 == 0, 40 * 7)
    ids = np.where(won, [f"C{i}" for i in range(len(days))], None)
    leads = pd.DataFrame({
        "lead_id": [f"L{i}" for i in range(len(days))], "created_at": created,
        "channel": "a", "team": "t1",
        "mql_at": created + pd.to_timedelta(mql_days, unit="D"),
        "sql_at": created + pd.to_timedelta(mql_days + 10.0, unit="D"),
        "converted_at": (created + pd.Timedelta(days=90)).where(won),
        "customer_id": ids})
    converted = leads.loc[won]
    customers = pd.DataFrame({"customer_id": converted["customer_id"].to_numpy(),
                              "acquired_at": converted["converted_at"].to_numpy(),
                              "acquisition_channel": "a"})
    orders = pd.DataFrame({"order_id": customers["customer_id"].to_numpy(),
                           "customer_id": customers["customer_id"].to_numpy(),
                           "ordered_at": customers["acquired_at"].to_numpy(), "revenue": 1.0})
    spend = pd.DataFrame({"week": [start], "channel": ["a"], "spend": [1.0]})
    return Dataset(customers=customers, orders=orders, spend=spend, leads=leads)


def test_the_conversion_cycle_sees_a_slower_first_stage_before_any_conversion() -> None:
    windows = SeriesWindows(reference_weeks=8, guard_weeks=2, min_rows=1)
    as_of = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=34)
    kpis = frozenset({"conversion_cycle_days"})

    def cycle(data: Dataset) -> pd.DataFrame:
        series = build_kpi_series(data, as_of, windows, kpis)
        mine = (series["segment_type"] == "total") & (series["kpi"] == "conversion_cycle_days")
        return series.loc[mine].set_index("week")

    steady, slow = cycle(staged_world(None)), cycle(staged_world(30))
    weeks = slow.index[slow.index >= pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=31)]
    assert len(weeks) == 2
    # no change: the pooled lateness is as expected; a slower first stage: later than expected
    np.testing.assert_allclose(steady.loc[weeks, "events"], steady.loc[weeks, "expected_events"],
                               rtol=1e-6)
    assert (slow.loc[weeks, "events"] > 1.03 * slow.loc[weeks, "expected_events"]).all()
    # the conversions alone show nothing yet: without the stage stamps the test is quiet
    plain = staged_world(30)
    plain = Dataset(customers=plain.customers, orders=plain.orders, spend=plain.spend,
                    leads=plain.leads.drop(columns=["mql_at", "sql_at"]))
    quiet = cycle(plain)
    np.testing.assert_allclose(quiet.loc[weeks, "events"], quiet.loc[weeks, "expected_events"],
                               rtol=1e-6)
    # nor with the pooling switched off (params: monitor.pool_stages: false)
    windows = SeriesWindows(reference_weeks=8, guard_weeks=2, min_rows=1, pool_stages=False)
    unpooled = cycle(staged_world(30))
    pd.testing.assert_frame_equal(unpooled, quiet)
