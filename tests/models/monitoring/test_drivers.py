from __future__ import annotations

import pandas as pd
import pytest

from models.monitoring.drivers import concentration, decompose, describe_drivers, rank_drivers


def frame(rows: list[tuple[str, str, str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["week", "segment_type", "segment", "value", "n",
                                       "expected"]).assign(
        week=lambda f: pd.to_datetime(f["week"]), kpi="lead_conversion_rate")


REF, NOW = "2024-01-01", "2024-01-08"


def test_rate_effect_by_hand() -> None:
    # Two channels, equal shares before and now; only b's rate falls from 0.2 to 0.1.
    bands = frame([(REF, "channel", "a", 0.1, 50, 0.1), (REF, "channel", "b", 0.2, 50, 0.2),
                   (NOW, "channel", "a", 0.1, 50, 0.1), (NOW, "channel", "b", 0.1, 50, 0.2)])
    out = decompose(bands, "lead_conversion_rate", "channel", pd.Timestamp(NOW),
                    pd.Timestamp(NOW), 1).set_index("segment")
    assert out.loc["b", "rate"] == pytest.approx(0.5 * (0.1 - 0.2))
    assert out.loc["b", "mix"] == pytest.approx(0.0)
    assert out.loc["b", "share"] == pytest.approx(1.0)


def test_mix_effect_by_hand() -> None:
    # Rates unchanged; the slow channel b grows from 50% to 80% of leads.
    bands = frame([(REF, "channel", "a", 0.3, 50, 0.3), (REF, "channel", "b", 0.1, 50, 0.1),
                   (NOW, "channel", "a", 0.3, 20, 0.3), (NOW, "channel", "b", 0.1, 80, 0.1)])
    out = decompose(bands, "lead_conversion_rate", "channel", pd.Timestamp(NOW),
                    pd.Timestamp(NOW), 1).set_index("segment")
    # R0 = 0.2; mix_b = (0.8 - 0.5) * (0.1 - 0.2), mix_a = (0.2 - 0.5) * (0.3 - 0.2)
    assert out.loc["b", "mix"] == pytest.approx(-0.03)
    assert out.loc["a", "mix"] == pytest.approx(-0.03)
    assert out["rate"].abs().max() == pytest.approx(0.0)
    assert out["mix"].sum() == pytest.approx(0.3 * 0.2 + 0.1 * 0.8 - 0.2)


def test_ranking_names_the_small_segment_behind_a_change() -> None:
    rows = []
    for week in (REF, NOW):
        rows += [(week, "team", "t1", 0.2 if week == REF else 0.05, 10, 0.2),
                 (week, "team", "t2", 0.2, 90, 0.2),
                 (week, "region", "x", 0.2 if week == REF else 0.185, 100, 0.2)]
    ranked = rank_drivers(frame(rows), "lead_conversion_rate", ["team", "region"],
                          pd.Timestamp(NOW), pd.Timestamp(NOW), 1)
    assert (ranked.iloc[0]["segment_type"], ranked.iloc[0]["segment"]) == ("team", "t1")
    assert concentration(ranked) == "concentrated in team=t1"
    assert describe_drivers(ranked, 1) == "team=t1 100% (rate)"


def test_shares_stay_bounded_when_segments_push_both_ways() -> None:
    # leads: t1 is 40 over its expectation, t2 39 under; the net +1 used to give t1 4000%
    rows = []
    for week, t1, t2 in ((REF, 100.0, 100.0), (NOW, 140.0, 61.0)):
        rows += [(week, "team", "t1", t1, 1.0, 100.0), (week, "team", "t2", t2, 1.0, 100.0)]
    out = decompose(frame(rows).assign(kpi="leads"), "leads", "team", pd.Timestamp(NOW),
                    pd.Timestamp(NOW), 1).set_index("segment")
    assert out.loc["t1", "share"] == pytest.approx(1.0)
    assert out.loc["t2", "share"] == pytest.approx(-39.0 / 40.0)
    # one way only: the shares are the parts of the sum, as before
    same = decompose(frame([(NOW, "team", "t1", 130.0, 1.0, 100.0),
                            (NOW, "team", "t2", 110.0, 1.0, 100.0)]).assign(kpi="leads"),
                     "leads", "team", pd.Timestamp(NOW), pd.Timestamp(NOW), 1)
    assert same.set_index("segment")["share"].to_dict() == pytest.approx({"t1": 0.75,
                                                                          "t2": 0.25})
