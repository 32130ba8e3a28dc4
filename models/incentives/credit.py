"""Credit for all-staff referrals: the deals each person brought and the pipeline they support.

A referred lead that converted is a *direct* credit, worth the CLTV of its channel; a
referred lead still open is a *support* credit, worth its P(convert) x that CLTV. The
*expected value* of everything a person referred, ``sum(P(convert) x CLTV)`` over their
leads, is what the simulator's truth checks. A plan turns credits into pay with a large rate
for direct credit and a basic one for support.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features._checks import require_columns

CREDIT_COLUMNS = ("staff_id", "department", "role", "referred_leads", "converted",
                  "open_leads", "direct_value", "support_value", "expected_value")


def staff_credit(
    leads: pd.DataFrame, p_convert: pd.Series, cltv: pd.Series | None, open_ids: pd.Series,
    staff: pd.DataFrame | None,
) -> pd.DataFrame:
    """Return one row per staff member who referred a lead, largest expected value first.

    Parameters
    ----------
    leads : pandas.DataFrame
        ``lead_id``, ``channel``, ``referred_by`` and ``customer_id`` (set once converted).
    p_convert : pandas.Series
        P(convert) of the referred leads by ``lead_id`` (the lead model's score).
    cltv : pandas.Series or None
        The 365-day value of a new customer by channel; None leaves the values empty.
    open_ids : pandas.Series
        Ids of the leads still open at the cutoff.
    staff : pandas.DataFrame or None
        ``staff_id``, ``department``, ``role``; None leaves those columns empty.
    """
    require_columns(leads, ("lead_id", "channel", "referred_by", "customer_id"), "leads")
    referred = leads.loc[leads["referred_by"].notna()]
    value = (referred["channel"].map(cltv) if cltv is not None
             else pd.Series(np.nan, index=referred.index)).astype("float64").to_numpy()
    p = referred["lead_id"].map(p_convert).astype("float64").to_numpy()
    converted = referred["customer_id"].notna().to_numpy()
    still_open = referred["lead_id"].isin(open_ids).to_numpy() & ~converted
    # 0 x value, not 0: a lead whose channel has no CLTV leaves the sums unknown.
    frame = pd.DataFrame({"staff_id": referred["referred_by"].to_numpy(),
                          "converted": converted, "open": still_open, "expected": p * value,
                          "direct": np.where(converted, value, 0.0 * value),
                          "support": np.where(still_open, p * value, 0.0 * value)})
    by = frame.groupby("staff_id", sort=True)
    table = pd.DataFrame({
        "referred_leads": by.size(), "converted": by["converted"].sum(),
        "open_leads": by["open"].sum(), "direct_value": by["direct"].sum(min_count=1),
        "support_value": by["support"].sum(min_count=1),
        "expected_value": by["expected"].sum(min_count=1),
    }).reset_index()
    if staff is not None:
        table = table.merge(staff[["staff_id", "department", "role"]], on="staff_id",
                            how="left")
    table = table.reindex(columns=list(CREDIT_COLUMNS))
    return table.sort_values(["expected_value", "staff_id"], ascending=[False, True],
                             ignore_index=True)


def referral_rewards(credit: pd.DataFrame, direct_rate: float, support_rate: float
                     ) -> pd.DataFrame:
    """Add the reward: ``direct_rate`` of the direct value plus ``support_rate`` of support."""
    return credit.assign(
        direct_reward=credit["direct_value"] * direct_rate,
        support_reward=credit["support_value"] * support_rate,
        reward=credit["direct_value"] * direct_rate + credit["support_value"] * support_rate)
