import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features._checks import MissingColumnsError
from features.leads import OUTCOME_COLUMNS, build_lead_features, label_conversions

CUTOFF = pd.Timestamp("2024-03-01")  # a Friday
NaT = pd.NaT


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def make_leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["L3", "L1", "L2", "L4", "L5"],
            "created_at": [
                ts("2024-02-20 10:00"),
                ts("2024-01-03 06:00"),
                ts("2023-12-31 23:00"),
                ts("2024-02-28 12:00"),
                ts("2024-03-02 09:00"),
            ],
            "channel": ["organic", "paid_search", "events", "display", "organic"],
            "team": ["north", "south", "north", "south", "north"],
            "company_size": ["1-10", "11-50", None, "51-200", "1-10"],
            "engagement_score": [10.5, 80.0, 55.0, 0.0, 99.0],
            "webinar_attended": ["True", "False", "False", "True", "True"],
            "touches": [1.0, 4.0, 2.0, 0.0, 7.0],
            "mql_at": [NaT, ts("2024-01-04"), ts("2024-01-02"), NaT, NaT],
            "sql_at": [NaT, ts("2024-01-10"), ts("2024-01-05"), NaT, NaT],
            "converted_at": [NaT, ts("2024-01-20"), ts("2024-02-15"), NaT, NaT],
            "customer_id": [None, "C1", "C2", None, None],
        }
    )


def by_id(frame: pd.DataFrame, lead_id: str) -> pd.Series:
    return frame.set_index("lead_id").loc[lead_id]


def test_features_by_hand() -> None:
    features = build_lead_features(make_leads(), CUTOFF)
    assert features["lead_id"].tolist() == ["L1", "L2", "L3", "L4"]  # L5 is after the cutoff
    l1 = by_id(features, "L1")
    assert l1["created_dow"] == 2  # 2024-01-03 was a Wednesday
    assert l1["created_month"] == 1
    assert l1["lead_age_days"] == 58 - 0.25  # 28 + 29 + 1 days minus 6 hours
    l2 = by_id(features, "L2")
    assert (l2["created_dow"], l2["created_month"]) == (6, 12)
    assert list(features.columns) == [
        "lead_id",
        "channel",
        "team",
        "company_size",
        "engagement_score",
        "webinar_attended",
        "created_dow",
        "created_month",
        "lead_age_days",
        "touches",
        "team_form_30d",
        "team_form_90d",
    ]


def test_dtypes() -> None:
    features = build_lead_features(make_leads(), CUTOFF)
    assert features["webinar_attended"].dtype == bool
    assert features["webinar_attended"].tolist() == [False, False, True, True]
    assert features["company_size"].dtype == "str"
    assert features["engagement_score"].dtype == np.float64
    assert features["created_dow"].dtype == np.int64


def test_outcome_columns_never_appear() -> None:
    assert {"mql_at", "sql_at", "converted_at", "customer_id"} <= OUTCOME_COLUMNS
    features = build_lead_features(make_leads(), CUTOFF)
    assert not set(features.columns) & OUTCOME_COLUMNS


def test_identifiers_are_not_features() -> None:
    # Who referred a lead is an id: as a feature, the model would learn each referrer's luck.
    leads = make_leads()
    expected = build_lead_features(leads, CUTOFF)
    referred = leads.assign(referred_by=["S001", None, "S002", "S001", None])
    pd.testing.assert_frame_equal(build_lead_features(referred, CUTOFF), expected)


def test_outcome_columns_do_not_change_output() -> None:
    leads = make_leads()
    # converted_at stays: other leads' earlier conversions make the team form, and
    # tests/features/test_team_form.py shows a lead's own conversion never reaches its row.
    expected = build_lead_features(leads.drop(columns=["mql_at", "sql_at", "customer_id"]), CUTOFF)
    assert "team_form_30d" in expected.columns
    extra = leads.assign(
        converted=leads["converted_at"].notna().astype(str),
        status=np.where(leads["converted_at"].notna(), "won", "open"),
        won_at=leads["converted_at"],
        proposal_sent_at=leads["sql_at"],  # an unknown timestamp: dropped too
    )
    pd.testing.assert_frame_equal(build_lead_features(extra, CUTOFF), expected)


@settings(max_examples=30, deadline=None)
@given(
    converted_late=st.lists(st.floats(min_value=0, max_value=400), min_size=4, max_size=4),
    new_leads=st.lists(st.floats(min_value=0, max_value=400), max_size=4),
)
def test_post_cutoff_changes_do_not_leak(
    converted_late: list[float], new_leads: list[float]
) -> None:
    leads = make_leads()
    expected_features = build_lead_features(leads, CUTOFF)
    expected_labels = label_conversions(leads, CUTOFF, window_days=30)

    unconverted = leads["converted_at"].isna()
    later = CUTOFF + pd.to_timedelta(np.resize(converted_late, len(leads)), unit="D")
    changed = leads.assign(
        converted_at=leads["converted_at"].where(~unconverted, later),
        sql_at=leads["sql_at"].where(~unconverted, later),
        customer_id=leads["customer_id"].where(~unconverted, "C_LATE"),
    )
    added = pd.DataFrame(
        {
            "lead_id": [f"N{i}" for i in range(len(new_leads))],
            "created_at": [CUTOFF + pd.Timedelta(days=d) for d in new_leads],
            "channel": "brand_new",
            "team": "east",
            "company_size": "1000+",
            "engagement_score": 1.0,
            "webinar_attended": "maybe",
            "touches": 3.0,
        }
    ).astype({"created_at": "datetime64[ns]"})
    changed = pd.concat([added, changed], ignore_index=True)

    pd.testing.assert_frame_equal(build_lead_features(changed, CUTOFF), expected_features)
    pd.testing.assert_frame_equal(label_conversions(changed, CUTOFF, 30), expected_labels)


def test_label_conversions_by_hand() -> None:
    leads = pd.DataFrame(
        {
            "lead_id": ["young", "late", "inside", "after_cutoff", "old_open", "future"],
            "created_at": [
                ts("2024-02-20"),
                ts("2024-01-01"),
                ts("2024-01-10"),
                ts("2024-02-25"),
                ts("2023-12-01"),
                ts("2024-03-05"),
            ],
            "converted_at": [
                NaT,
                ts("2024-02-15"),
                ts("2024-01-25"),
                ts("2024-03-03"),
                NaT,
                ts("2024-03-06"),
            ],
        }
    )
    labels = label_conversions(leads, CUTOFF, window_days=30).set_index("lead_id")
    assert labels.index.tolist() == ["after_cutoff", "inside", "late", "old_open", "young"]
    # Unconverted and only 10 days old: the 30-day window is still open.
    assert labels.loc["young"].tolist() == [0, True]
    # Converted after 45 days: outside the window, and the window has closed.
    assert labels.loc["late"].tolist() == [0, False]
    assert labels.loc["inside"].tolist() == [1, False]  # 15 days
    # Converts within its window, but after the cutoff: unknown at the cutoff.
    assert labels.loc["after_cutoff"].tolist() == [0, True]
    assert labels.loc["old_open"].tolist() == [0, False]
    assert labels["converted"].dtype == np.int64
    assert labels["censored"].dtype == bool


def test_label_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window_days"):
        label_conversions(make_leads(), CUTOFF, window_days=0)


@pytest.mark.parametrize("column", ["lead_id", "created_at", "channel"])
def test_missing_feature_column_is_named(column: str) -> None:
    with pytest.raises(MissingColumnsError, match=f"leads is missing .*{column}"):
        build_lead_features(make_leads().drop(columns=column), CUTOFF)


def test_missing_label_column_is_named() -> None:
    with pytest.raises(ValueError, match="converted_at"):
        label_conversions(make_leads().drop(columns="converted_at"), CUTOFF, 30)


def test_input_is_not_mutated() -> None:
    leads = make_leads()
    build_lead_features(leads, CUTOFF)
    label_conversions(leads, CUTOFF, 30)
    pd.testing.assert_frame_equal(leads, make_leads())
