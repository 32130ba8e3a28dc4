import numpy as np
import pandas as pd
import pytest

from features._checks import MissingColumnsError
from features.channels import build_channel_panel

CUTOFF = pd.Timestamp("2024-01-24 12:00")  # a Wednesday: that week is partial
W1, W2, W3 = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-15")


def make_spend() -> pd.DataFrame:
    # No paid_search spend in W2: the panel must still have that row, with 0.
    return pd.DataFrame(
        {
            "week": [W1, W1, W3, W2, W3, pd.Timestamp("2024-01-22")],
            "channel": ["paid_search", "display", "paid_search", "display", "display", "display"],
            "spend": [100.0, 50.0, 120.0, 60.0, 70.0, 999.0],
        }
    )


def make_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "acquired_at": [
                pd.Timestamp("2024-01-07 23:00"),
                pd.Timestamp("2024-01-08"),
                pd.Timestamp("2024-01-16"),
                pd.Timestamp("2024-01-23"),
            ],
            "acquisition_channel": ["organic", "paid_search", "organic", "display"],
        }
    )


def make_leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3", "L4"],
            "created_at": [
                pd.Timestamp("2024-01-03"),
                pd.Timestamp("2024-01-14 22:00"),
                pd.Timestamp("2024-01-15"),
                pd.Timestamp("2024-01-22 01:00"),
            ],
            "channel": ["paid_search", "organic", "organic", "referral"],
        }
    )


def test_panel_by_hand() -> None:
    panel = build_channel_panel(make_spend(), make_customers(), make_leads(), CUTOFF)
    channels = ["display", "organic", "paid_search"]  # referral only appears in the partial week
    assert panel["week"].tolist() == [W1] * 3 + [W2] * 3 + [W3] * 3
    assert panel["channel"].tolist() == channels * 3
    assert panel["spend"].tolist() == [50.0, 0.0, 100.0, 60.0, 0.0, 0.0, 70.0, 0.0, 120.0]
    # L2 (Sunday 14th) belongs to W2; L3 (Monday 15th) to W3.
    assert panel["leads"].tolist() == [0, 0, 1, 0, 1, 0, 0, 1, 0]
    # C1 (Sunday 7th, 23:00) belongs to W1.
    assert panel["new_customers"].tolist() == [0, 1, 0, 0, 0, 1, 0, 1, 0]
    assert panel["paid"].tolist() == [True, False, True] * 3
    assert list(panel.columns) == ["week", "channel", "spend", "leads", "new_customers", "paid"]


def test_zero_filled_week_without_spend() -> None:
    panel = build_channel_panel(make_spend(), make_customers(), make_leads(), CUTOFF)
    w2 = panel.loc[(panel["week"] == W2) & (panel["channel"] == "paid_search")]
    # The row exists with zero spend and no leads; C2 (paid_search) was acquired that week.
    assert w2[["spend", "leads", "new_customers"]].to_numpy().tolist() == [[0.0, 0, 1]]


def test_dtypes() -> None:
    panel = build_channel_panel(make_spend(), make_customers(), None, CUTOFF)
    assert panel["week"].dtype == "datetime64[ns]"
    assert panel["spend"].dtype == np.float64
    assert panel["leads"].dtype == np.int64
    assert panel["new_customers"].dtype == np.int64
    assert panel["paid"].dtype == bool
    assert panel["leads"].sum() == 0


def test_week_ending_exactly_at_cutoff_is_included() -> None:
    panel = build_channel_panel(make_spend(), make_customers(), None, pd.Timestamp("2024-01-22"))
    assert panel["week"].max() == W3
    panel = build_channel_panel(make_spend(), make_customers(), None, pd.Timestamp("2024-01-29"))
    assert panel["week"].max() == pd.Timestamp("2024-01-22")


def test_no_rows_before_cutoff_gives_an_empty_panel() -> None:
    panel = build_channel_panel(make_spend(), make_customers(), make_leads(), W1)
    assert panel.empty
    assert list(panel.columns) == ["week", "channel", "spend", "leads", "new_customers", "paid"]


@pytest.mark.parametrize(
    "perturb",
    ["spend_after", "spend_changed", "lead_after", "customer_after", "new_channel"],
)
def test_post_cutoff_rows_do_not_change_the_panel(perturb: str) -> None:
    spend, customers, leads = make_spend(), make_customers(), make_leads()
    expected = build_channel_panel(spend, customers, leads, CUTOFF)
    late = CUTOFF + pd.Timedelta(hours=1)
    if perturb == "spend_after":
        extra = pd.DataFrame(
            {
                "week": [pd.Timestamp("2024-01-29")] * 2,
                "channel": ["paid_search", "tv"],
                "spend": [5.0, 9.0],
            }
        )
        spend = pd.concat([spend, extra], ignore_index=True)
    elif perturb == "spend_changed":
        spend = spend.assign(
            spend=spend["spend"].where(spend["week"] < W3 + pd.Timedelta(days=7), 123456.0)
        )
    elif perturb == "lead_after":
        extra = pd.DataFrame({"lead_id": ["L9"], "created_at": [late], "channel": ["organic"]})
        leads = pd.concat([leads, extra], ignore_index=True)
    elif perturb == "customer_after":
        extra = pd.DataFrame(
            {"customer_id": ["C9"], "acquired_at": [late], "acquisition_channel": ["display"]}
        )
        customers = pd.concat([customers, extra], ignore_index=True)
    else:
        extra = pd.DataFrame(
            {"lead_id": ["L8"], "created_at": [pd.Timestamp("2024-02-05")], "channel": ["podcast"]}
        )
        leads = pd.concat([leads, extra], ignore_index=True)
    pd.testing.assert_frame_equal(build_channel_panel(spend, customers, leads, CUTOFF), expected)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("spend", "spend"),
        ("spend", "week"),
        ("customers", "acquisition_channel"),
        ("leads", "created_at"),
    ],
)
def test_missing_column_is_named(table: str, column: str) -> None:
    frames = {"spend": make_spend(), "customers": make_customers(), "leads": make_leads()}
    frames[table] = frames[table].drop(columns=column)
    with pytest.raises(MissingColumnsError, match=f"{table} is missing .*{column}"):
        build_channel_panel(frames["spend"], frames["customers"], frames["leads"], CUTOFF)


def test_inputs_are_not_mutated() -> None:
    spend, customers, leads = make_spend(), make_customers(), make_leads()
    build_channel_panel(spend, customers, leads, CUTOFF)
    pd.testing.assert_frame_equal(spend, make_spend())
    pd.testing.assert_frame_equal(customers, make_customers())
    pd.testing.assert_frame_equal(leads, make_leads())
