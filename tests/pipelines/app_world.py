"""A small fitted world for the what-if page's tests: three paid channels, HTML in the names.

``write_world`` writes the artefacts `channelwise app` reads (curves with bootstrap sets,
channel CLTV and P(convert), alerts, scorecard, KPI weights by phase) and a params.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from models.io import write_json
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet, curves_to_dict

ROOT = Path(__file__).resolve().parents[2]
SEARCH, SOCIAL, EVENTS = "<b>search</b>", 'social & "friends"', "<img src=x onerror=pwned=1>"
CHANNELS = (SEARCH, SOCIAL, EVENTS)
CURRENT = {SEARCH: 5_000.0, SOCIAL: 8_000.0, EVENTS: 2_000.0}  # weekly; 15,000 a week in all
TEAM = "<script>pwned=1</script> team"


def write_world(root: Path, with_tables: bool = True) -> Path:
    """Write the artefacts under ``root``; return the params.yaml that locates them."""
    curves = [ChannelCurve(SEARCH, True, 5.0, 100.0, 5_000.0, 1.2, 0.2),
              ChannelCurve(SOCIAL, True, 5.0, 300.0, 4_000.0, 1.0, 0.3),
              ChannelCurve(EVENTS, True, 1.0, 60.0, 9_000.0, 2.5, 0.5),
              ChannelCurve("organic", False, 50.0)]
    draws = [[ChannelCurve(**{**c.__dict__, "base": c.base * f}) for c in curves]
             for f in (0.9, 1.0, 1.1)]
    extra = {"current_weekly_spend": CURRENT,
             "history_cap": dict.fromkeys(CHANNELS, 20_000.0),
             "window": ["2023-01-02", "2025-12-22"]}
    write_json(root / "models" / "response" / "curves.json",
               curves_to_dict(CurveSet("leads", curves, draws), extra))
    predictions, reports = root / "predictions", root / "reports"
    predictions.mkdir(parents=True, exist_ok=True)
    reports.mkdir(parents=True, exist_ok=True)
    names = [*CHANNELS, "organic"]
    pd.DataFrame({"channel": names, "cltv_mean": [2_000.0, 400.0, 5_000.0, 1_500.0]}).to_csv(
        predictions / "channel_cltv.csv", index=False)
    pd.DataFrame({"channel": names, "p_convert": [0.2, 0.05, 0.3, 0.2]}).to_csv(
        predictions / "channel_conversion.csv", index=False)
    if with_tables:
        write_tables(reports)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] |= {"models": str(root / "models"), "predictions": str(predictions),
                        "reports": str(reports)}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return root / "params.yaml"


def write_tables(reports: Path) -> None:
    """Write an alert, a scorecard and KPI weights by phase, with HTML in the names."""
    pd.DataFrame({"kpi": ["lead_to_customer_rate"], "segment_type": ["channel"],
                  "segment": [SEARCH], "first_week": ["2025-11-03"], "last_week": ["2025-12-01"],
                  "observed": [0.081], "expected": [0.12], "severity": ["high"],
                  "value_at_risk": [12_345.678], "drivers": [f"team {TEAM}: -4.1 pts"]}).to_csv(
        reports / "alerts.csv", index=False)
    pd.DataFrame({"team": [TEAM, "north"], "month": ["2025-11", "2025-11"],
                  "score": [71.2, 48.0], "rank": [1, 2], "leads": [120, 80],
                  "leads_target": [130.5, 95.0]}).to_csv(reports / "team_scorecard.csv",
                                                          index=False)
    pd.DataFrame({"kpi": ["leads", "avg_cltv_new"], "launch": [0.7, 0.3],
                  "growth": [0.5, 0.5], "profit": [0.2, 0.8]}).to_csv(
        reports / "kpi_weights_profiles.csv", index=False)
