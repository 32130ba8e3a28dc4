"""What the report is built from: every stage output the page shows, as one frozen record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ReportInputs:
    """Every stage output the page shows; None (or absent) when this run did not produce it.

    Frames keep the stable columns of DESIGN.md ("Outputs people use"); metrics are the
    parsed ``metrics/*.json``; ``figures`` maps paths under the figures directory (such as
    ``explain/cltv_bar.png``) to PNG bytes; ``runs`` maps a training stage to its MLflow
    run record (``run_id``, ``registered_model``, ``model_version``).
    """

    title: str = "channelwise"
    params_hash: str = ""
    allocation: pd.DataFrame | None = None
    frontier: pd.DataFrame | None = None
    curves: dict[str, Any] | None = None
    allocation_metrics: dict[str, Any] | None = None
    response_metrics: dict[str, Any] | None = None
    cltv_by_channel: pd.DataFrame | None = None
    cltv_metrics: dict[str, Any] | None = None
    conversion_metrics: dict[str, Any] | None = None
    reliability: pd.DataFrame | None = None
    gain: pd.DataFrame | None = None
    lead_scores: pd.DataFrame | None = None
    kpi_weights: pd.DataFrame | None = None
    kpi_profiles: pd.DataFrame | None = None
    team_scorecard: pd.DataFrame | None = None
    staff_credit: pd.DataFrame | None = None
    scheme_audit: pd.DataFrame | None = None
    kpi_metrics: dict[str, Any] | None = None
    prepare_metrics: dict[str, Any] | None = None
    explain_summary: dict[str, Any] | None = None
    alerts: pd.DataFrame | None = None
    kpi_series: pd.DataFrame | None = None
    figures: dict[str, bytes] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    top_leads: int = 10
    top_reasons: int = 10
