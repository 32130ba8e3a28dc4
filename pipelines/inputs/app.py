"""Read what the what-if page needs: the planning artefacts (required), alerts and scorecard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.allocation.planning import PlanningInputs
from pipelines import outputs
from pipelines.inputs.planning import load_planning_inputs
from pipelines.params import Paths


@dataclass(frozen=True)
class AppWorld:
    """Everything the page shows: planning inputs, and the optional tables (None when absent)."""

    planning: PlanningInputs
    alerts: pd.DataFrame | None = None
    scorecard: pd.DataFrame | None = None
    kpi_profiles: pd.DataFrame | None = None


def _optional_csv(path: Path) -> pd.DataFrame | None:
    # Text columns stay text: a team called "NaN" or "001" is shown as written.
    return pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None


def load_app_world(paths: Paths, seed: int = 0) -> AppWorld:
    """Read the planning inputs (MissingArtefactError naming the stage when absent) and tables."""
    return AppWorld(
        planning=load_planning_inputs(paths, seed),
        alerts=_optional_csv(outputs.ALERTS.path(paths)),
        scorecard=_optional_csv(outputs.TEAM_SCORECARD.path(paths)),
        kpi_profiles=_optional_csv(outputs.KPI_WEIGHTS_PROFILES.path(paths)),
    )
