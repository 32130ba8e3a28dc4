import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features._checks import MissingColumnsError
from features.customers import (
    build_customer_features,
    customer_value_in_window,
    orders_in_window,
)

DAY0 = pd.Timestamp("2024-01-01")
CUTOFF = DAY0 + pd.Timedelta(days=40)


def day(n: float, hours: float = 0) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n, hours=hours)


def make_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C3", "C1", "C2", "C9"],
            "acquired_at": [day(20), day(0), day(5), day(45)],
            "acquisition_channel": ["display", "organic", "paid_search", "events"],
            "team": ["north", "south", "north", "south"],
            "region": ["EU", "US", None, "EU"],
            "vip": ["True", "False", "False", "True"],
        }
    )


def make_orders(margin: bool = False) -> pd.DataFrame:
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4", "O6", "O5", "O7", "O8"],
            "customer_id": ["C1", "C1", "C1", "C1", "C2", "C2", "C1", "C9"],
            "ordered_at": [
                day(0, 9),
                day(10, 8),
                day(10, 17),
                day(30),
                day(5),
                day(5),
                day(41),
                day(46),
            ],
            "revenue": [10.0, 20.0, 30.0, 40.0, 7.0, 5.0, 500.0, 80.0],
        }
    )
    if margin:
        orders = orders.assign(margin=orders["revenue"] * 0.5)
    return orders


def row(features: pd.DataFrame, customer_id: str) -> pd.Series:
    return features.set_index("customer_id").loc[customer_id]


def test_rfm_matches_hand_computation() -> None:
    features = build_customer_features(make_customers(), make_orders(), CUTOFF)
    c1 = row(features, "C1")
    # Orders on days 0, 10, 10, 30 with the cutoff at day 40 (the day-41 order is later).
    assert c1["n_orders"] == 4
    assert c1["frequency"] == 2  # 3 distinct days, minus the first
    assert c1["recency_days"] == 30.0
    assert c1["T_days"] == 40.0
    assert c1["days_since_last_order"] == 10.0
    assert c1["tenure_days"] == 40.0


def test_value_columns_match_hand_computation() -> None:
    c1 = row(build_customer_features(make_customers(), make_orders(), CUTOFF), "C1")
    assert c1["total_revenue"] == 100.0
    assert c1["first_order_value"] == 10.0
    assert c1["avg_order_value"] == 25.0
    # Sample std of 10, 20, 30, 40: deviations 15, 5, 5, 15 -> 500 / 3.
    assert c1["std_order_value"] == pytest.approx(math.sqrt(500 / 3))
    assert c1["max_order_value"] == 40.0
    # Repeat days 10 (20 + 30) and 30 (40): 90 over 2 repeat purchase days.
    assert c1["avg_repeat_order_value"] == 45.0


def test_single_day_customer_and_first_order_tie() -> None:
    c2 = row(build_customer_features(make_customers(), make_orders(), CUTOFF), "C2")
    # Two orders at the same moment on day 5: the smallest order id (O5, 5.0) is the first.
    assert c2["first_order_value"] == 5.0
    assert c2["frequency"] == 0
    assert c2["recency_days"] == 0.0
    assert c2["T_days"] == 35.0
    assert c2["std_order_value"] == pytest.approx(math.sqrt(2.0))
    assert math.isnan(c2["avg_repeat_order_value"])


def test_customer_without_orders() -> None:
    c3 = row(build_customer_features(make_customers(), make_orders(), CUTOFF), "C3")
    assert c3["n_orders"] == 0
    assert c3["total_revenue"] == 0.0
    assert c3["frequency"] == 0
    assert c3["recency_days"] == 0.0
    assert c3["T_days"] == 20.0  # from acquisition
    assert c3["tenure_days"] == 20.0
    assert c3["days_since_last_order"] == c3["tenure_days"]
    assert c3["std_order_value"] == 0.0


def test_rows_columns_and_dtypes() -> None:
    features = build_customer_features(make_customers(), make_orders(), CUTOFF)
    assert features["customer_id"].tolist() == ["C1", "C2", "C3"]  # C9 acquired after cutoff
    assert list(features.columns[:5]) == [
        "customer_id",
        "acquisition_channel",
        "team",
        "region",
        "vip",
    ]
    assert "acquired_at" not in features.columns
    assert "total_margin" not in features.columns
    assert features["vip"].dtype == bool
    assert features["region"].dtype == "str"
    assert features["n_orders"].dtype == np.int64
    assert features["T_days"].dtype == np.float64
    assert features.index.equals(pd.RangeIndex(3))


def test_windows_and_margin() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["A"], "acquired_at": [day(-400)], "acquisition_channel": ["organic"]}
    )
    orders = pd.DataFrame(
        {
            "order_id": ["1", "2", "3", "4"],
            "customer_id": ["A"] * 4,
            # 380, 100, 90 and 20 days before the cutoff.
            "ordered_at": [day(-340), day(-60), day(-50), day(20)],
            "revenue": [1.0, 10.0, 100.0, 1000.0],
            "margin": [0.5, 5.0, 50.0, 500.0],
        }
    )
    a = row(build_customer_features(customers, orders, CUTOFF), "A")
    assert (a["orders_90d"], a["revenue_90d"]) == (2, 1100.0)
    assert (a["orders_365d"], a["revenue_365d"]) == (3, 1110.0)
    assert (a["total_margin"], a["margin_365d"]) == (555.5, 555.0)


def test_inputs_are_not_mutated() -> None:
    customers, orders = make_customers(), make_orders(margin=True)
    build_customer_features(customers, orders, CUTOFF)
    pd.testing.assert_frame_equal(customers, make_customers())
    pd.testing.assert_frame_equal(orders, make_orders(margin=True))


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("customers", "acquired_at"),
        ("customers", "acquisition_channel"),
        ("orders", "revenue"),
        ("orders", "ordered_at"),
    ],
)
def test_missing_column_is_named(table: str, column: str) -> None:
    frames = {"customers": make_customers(), "orders": make_orders()}
    frames[table] = frames[table].drop(columns=column)
    with pytest.raises(MissingColumnsError, match=f"{table} is missing .*{column}"):
        build_customer_features(frames["customers"], frames["orders"], CUTOFF)
    with pytest.raises(ValueError, match=column):
        build_customer_features(frames["customers"], frames["orders"], CUTOFF)


def test_orders_in_window_is_half_open() -> None:
    window = orders_in_window(make_orders(), day(5), day(30))
    assert window["order_id"].tolist() == ["O2", "O3", "O6", "O5"]


def test_customer_value_in_window_zero_fills() -> None:
    orders = make_orders(margin=True)
    values = customer_value_in_window(orders, ["C2", "C1", "C3"], day(10), day(41, 1))
    assert values.to_dict() == {"C2": 0.0, "C1": 590.0, "C3": 0.0}
    assert values.index.name == "customer_id"
    margin = customer_value_in_window(orders, ["C1"], day(0), day(11), value_col="margin")
    assert margin.tolist() == [30.0]


# --- cutoff leakage: nothing dated at or after the cutoff may change the features ---

later = st.floats(min_value=0, max_value=500, allow_nan=False)
post_cutoff_orders = st.lists(
    st.tuples(
        st.sampled_from(["C1", "C2", "C3", "C9", "C_NEW"]),
        later,
        st.floats(min_value=0, max_value=1e6, allow_nan=False),
        st.integers(min_value=0, max_value=8),
    ),
    max_size=6,
)
post_cutoff_customers = st.lists(
    st.tuples(st.sampled_from(["C0", "C4", "C_NEW"]), later), max_size=3, unique_by=lambda t: t[0]
)


def insert_rows(frame: pd.DataFrame, rows: pd.DataFrame, positions: list[int]) -> pd.DataFrame:
    # New rows land between existing ones; the existing rows keep their relative order.
    order = np.concatenate([np.arange(len(frame)), np.asarray(positions, dtype=float) - 0.5])
    combined = pd.concat([frame, rows], ignore_index=True)
    return combined.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    new_orders=post_cutoff_orders,
    new_customers=post_cutoff_customers,
    revenue_factor=st.floats(min_value=0, max_value=100, allow_nan=False),
    shift_days=later,
)
def test_post_cutoff_rows_do_not_change_features(
    new_orders: list[tuple[str, float, float, int]],
    new_customers: list[tuple[str, float]],
    revenue_factor: float,
    shift_days: float,
) -> None:
    customers, orders = make_customers(), make_orders(margin=True)
    expected = build_customer_features(customers, orders, CUTOFF)

    late = orders["ordered_at"] >= CUTOFF
    orders = orders.assign(
        revenue=orders["revenue"].where(~late, orders["revenue"] * revenue_factor),
        margin=orders["margin"].where(~late, -1.0),
        ordered_at=orders["ordered_at"].where(
            ~late, orders["ordered_at"] + pd.Timedelta(days=shift_days)
        ),
    )
    added_orders = pd.DataFrame(
        {
            "order_id": [f"N{i}" for i in range(len(new_orders))],
            "customer_id": [c for c, _, _, _ in new_orders],
            "ordered_at": [CUTOFF + pd.Timedelta(days=d) for _, d, _, _ in new_orders],
            "revenue": [r for _, _, r, _ in new_orders],
            "margin": [r for _, _, r, _ in new_orders],
        }
    ).astype({"ordered_at": "datetime64[ns]", "revenue": float, "margin": float})
    orders = insert_rows(orders, added_orders, [p for _, _, _, p in new_orders])
    added_customers = pd.DataFrame(
        {
            "customer_id": [c for c, _ in new_customers],
            "acquired_at": [CUTOFF + pd.Timedelta(days=d) for _, d in new_customers],
            "acquisition_channel": "referral",
            "team": "east",
            "region": "APAC",
            "vip": "True",
        }
    ).astype({"acquired_at": "datetime64[ns]"})
    customers = insert_rows(customers, added_customers, [0] * len(new_customers))

    actual = build_customer_features(customers, orders, CUTOFF)
    pd.testing.assert_frame_equal(actual, expected)
