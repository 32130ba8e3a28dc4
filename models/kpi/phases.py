"""Strategy phases: each phase is an outcome the KPI weights are learned against.

At a launch the weights aim at customers acquired, in growth at new-customer value, for
profit at value net of spend (on margin where orders have it). Weights differ by phase
because the evidence differs; a KPI without evidence under a phase gets 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from features._checks import require_columns
from models.kpi.weights import KpiWeightModel


class Phase(StrEnum):
    """Strategy phase: what the next quarter should bring."""

    LAUNCH = "launch"
    GROWTH = "growth"
    PROFIT = "profit"


@dataclass(frozen=True)
class PhaseOutcome:
    """The outcome column of a phase (see :func:`models.kpi.outcome.team_outcome`) and its words."""

    column: str
    label: str


PHASE_OUTCOMES: dict[Phase, PhaseOutcome] = {
    Phase.LAUNCH: PhaseOutcome("customers_ahead", "the number of customers acquired next quarter"),
    Phase.GROWTH: PhaseOutcome("value_ahead", "next-quarter new-customer value"),
    Phase.PROFIT: PhaseOutcome("outcome", "next-quarter value net of spend"),
}


def fit_phase(
    rows: pd.DataFrame, kpis: list[str], phase: Phase, settings: Mapping[str, Any]
) -> KpiWeightModel:
    """Fit the KPI weights against one phase's outcome.

    Parameters
    ----------
    rows : pandas.DataFrame
        The KPI panel joined to the outcome: ``team``, ``month``, the ``kpis`` and the
        phase's outcome column.
    kpis : list of str
        KPI columns.
    phase : Phase
        Whose outcome to aim at.
    settings : mapping of str to Any
        :class:`KpiWeightModel` keyword arguments.
    """
    target = PHASE_OUTCOMES[phase]
    require_columns(rows, ("team", "month", target.column, *kpis), "kpi rows")
    return KpiWeightModel(**settings).fit(rows[kpis], rows[target.column], rows["team"],
                                          rows["month"], target.label, phase.value)


def fit_phases(
    rows: pd.DataFrame, kpis: list[str], settings: Mapping[str, Any]
) -> dict[Phase, KpiWeightModel]:
    """Fit the weights of every phase (same seed and settings, different outcomes)."""
    return {phase: fit_phase(rows, kpis, phase, settings) for phase in Phase}


def phases_table(models: Mapping[Phase, KpiWeightModel], selected: Phase) -> pd.DataFrame:
    """Return ``kpi`` and one weight column per phase (``launch, growth, profit``).

    Rows are ordered by the selected phase's weight, then by name.
    """
    columns = {phase.value: models[phase].weights_ for phase in Phase if phase in models}
    table = pd.DataFrame(columns).rename_axis("kpi").reset_index()
    return table.sort_values([selected.value, "kpi"], ascending=[False, True],
                             ignore_index=True)


def unevidenced(models: Mapping[Phase, KpiWeightModel]) -> dict[str, list[str]]:
    """KPIs weighted 0 for lack of evidence, per phase."""
    return {phase.value: [kpi for kpi, ok in zip(model.evidence_.kpis, model.evidence_.evidence,
                                                  strict=True) if not ok]
            for phase, model in models.items()}
