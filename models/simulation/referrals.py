"""All-staff referrals: named staff bring some unpaid leads, and truth says what they are worth.

Marketers are not the only people who bring business: engineers, support agents and editors
refer prospects on the side. A share of the organic leads is relabelled as channel
``referral`` and credited to a staff member drawn with skewed propensities (a few people
refer most). Nothing else about a lead changes, so the funnel and the value stay as drawn.
The truth per staff member is the expected value of the leads they referred,
``sum(p_convert x E[value_365 | the lead's channel, size and team])``: the value a lead's
characteristics promise, before the luck of one customer's order sizes and purchase rate
(``expected_value_drawn`` keeps that luck in). It also records the value of the referred
leads that converted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.simulation.world import SIZE_VALUE_MULT, ChannelSpec, expected_value

REFERRAL_CHANNEL = "referral"
FROM_CHANNEL = "organic"
ROLES = (("engineering", "developer"), ("support", "support agent"),
         ("editorial", "editor"), ("sales", "account executive"),
         ("marketing", "marketer"), ("product", "product manager"))


@dataclass(frozen=True)
class ReferralSpec:
    """How many staff refer, the share of organic leads that are referrals, and the skew."""

    n_staff: int = 12
    share: float = 0.5
    zipf: float = 0.8  # propensity of the k-th person is proportional to 1 / k**zipf


def draw_staff(rng: np.random.Generator, spec: ReferralSpec) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the staff table and each member's referral propensity (summing to 1)."""
    roles = [ROLES[i] for i in rng.integers(0, len(ROLES), spec.n_staff)]
    staff = pd.DataFrame({"staff_id": [f"S{i + 1:03d}" for i in range(spec.n_staff)],
                          "department": [r[0] for r in roles], "role": [r[1] for r in roles]})
    weights = 1.0 / np.arange(1, spec.n_staff + 1) ** spec.zipf
    return staff, weights / weights.sum()


def promised_value(latent: pd.DataFrame, channels: tuple[ChannelSpec, ...]) -> np.ndarray:
    """E[value_365] of each lead as a customer, over its order-size and purchase-rate draws."""
    c = latent["channel_idx"].to_numpy()
    order_value = (np.array([s.order_value for s in channels])[c]
                   * SIZE_VALUE_MULT[latent["size_idx"].to_numpy()])
    rate = np.array([s.purchases_per_year for s in channels])[c] / 365.0
    return expected_value(order_value, rate, latent["lifetime_mean_days"].to_numpy(), 365.0)


def add_referrals(
    leads: pd.DataFrame, latent: pd.DataFrame, seed: int, channels: tuple[ChannelSpec, ...],
    spec: ReferralSpec = ReferralSpec(),
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Credit a share of the organic leads to staff members; return leads, staff and truth.

    Parameters
    ----------
    leads : pandas.DataFrame
        The observable leads table, row-aligned with ``latent``.
    latent : pandas.DataFrame
        Per-lead truth: ``p_convert``, ``value_365``, ``channel_idx``, ``size_idx`` and
        ``lifetime_mean_days``.
    seed : int
        The world's seed; referrals draw from their own stream, so the rest is unchanged.
    channels : tuple of ChannelSpec
        The world's channels, for each lead's promised value.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    staff, propensity = draw_staff(rng, spec)
    organic = (leads["channel"] == FROM_CHANNEL).to_numpy()
    referred = organic & (rng.random(len(leads)) < spec.share)
    who = np.full(len(leads), None, dtype=object)
    who[referred] = staff["staff_id"].to_numpy()[rng.choice(spec.n_staff, int(referred.sum()),
                                                            p=propensity)]
    out = leads.assign(channel=np.where(referred, REFERRAL_CHANNEL, leads["channel"]),
                       referred_by=who)
    return out, staff, referral_truth(out, latent, promised_value(latent, channels), staff)


def referral_truth(leads: pd.DataFrame, latent: pd.DataFrame, promised: np.ndarray,
                   staff: pd.DataFrame) -> dict[str, Any]:
    """Per staff member: leads referred, converted, expected value and value brought."""
    p = latent["p_convert"].to_numpy()
    frame = pd.DataFrame({
        "staff_id": leads["referred_by"].to_numpy(),
        "expected": p * promised, "drawn": p * latent["value_365"].to_numpy(),
        "converted": leads["customer_id"].notna().to_numpy(),
        "value": latent["value_365"].to_numpy()})
    frame = frame[frame["staff_id"].notna()]
    by = frame.groupby("staff_id", sort=True)
    table = pd.DataFrame({"referred_leads": by.size(), "converted": by["converted"].sum(),
                          "expected_value": by["expected"].sum(),
                          "expected_value_drawn": by["drawn"].sum(),
                          "value_brought": frame[frame["converted"]].groupby("staff_id")[
                              "value"].sum()}).fillna({"value_brought": 0.0})
    departments = dict(zip(staff["staff_id"], staff["department"], strict=True))
    roles = dict(zip(staff["staff_id"], staff["role"], strict=True))
    return {"channel": REFERRAL_CHANNEL, "staff": {
        str(sid): {"department": str(departments[sid]), "role": str(roles[sid]),
                   "referred_leads": int(row.referred_leads), "converted": int(row.converted),
                   "expected_value": float(row.expected_value),
                   "expected_value_drawn": float(row.expected_value_drawn),
                   "value_brought": float(row.value_brought)}
        for sid, row in table.iterrows()}}
