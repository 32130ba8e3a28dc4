"""Windows of the weekly KPI series, shared by the modules that compute them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeriesWindows:
    """Windows of the weekly KPIs (days or weeks, as named); see ``docs/monitoring.md``."""

    horizon_days: int = 120
    stage_horizon_days: int = 60
    pool_stages: bool = True  # the conversion cycle's test adds the passages to MQL and SQL
    period_weeks: int = 4
    cac_weeks: int = 4
    value_days: int = 30
    value_weeks: int = 4
    active_days: int = 180
    churn_weeks: int = 4
    lapse_gaps: float = 4.0
    lapse_min_days: int = 21
    lapse_max_days: int = 75  # < the 16-week churn budget
    churn_evidence: bool = True  # churn alerts test each customer's orders, not the lapses
    churn_lifetime_days: float = 650.0  # mean customer lifetime the evidence test assumes
    churn_track_days: int = 730  # customers silent longer leave the evidence test
    rest_weeks: int = 0  # > 0: a segment's conversions are tested against its type's rest
    reference_weeks: int = 26  # expected events: the rates of these weeks ...
    guard_weeks: int = 8       # ... ending this many weeks before the week
    min_rows: int = 20
    max_levels: int = 12
