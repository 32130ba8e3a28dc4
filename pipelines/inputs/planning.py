"""Read the fitted artefacts a budget plan needs: curves, channel CLTV and P(convert)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.allocation.plan import value_per_unit
from models.allocation.planning import PlanningInputs
from models.allocation.value_draws import value_per_unit_draws
from models.io import read_json
from models.response.uncertainty import curves_from_dict
from pipelines import outputs
from pipelines.inputs import required
from pipelines.params import Paths


def load_planning_inputs(paths: Paths, seed: int = 0) -> PlanningInputs:
    """Read the fitted curves, channel CLTV and channel P(convert); ``seed`` seeds value draws."""
    payload = read_json(required(outputs.RESPONSE_CURVES.path(paths), "response curves",
                                  "fit_response"))
    curves = curves_from_dict(payload)
    channels = sorted(c.channel for c in curves.curves if c.paid)
    cltv = pd.read_csv(required(outputs.CHANNEL_CLTV.path(paths), "channel CLTV",
                                 "train_cltv"))
    conversion_path = outputs.CHANNEL_CONVERSION.path(paths)
    conversion = pd.read_csv(conversion_path) if conversion_path.exists() else None
    return PlanningInputs(
        curves=curves,
        channels=channels,
        current=np.array([payload["current_weekly_spend"][c] for c in channels], dtype=float),
        history_cap=np.array([payload["history_cap"][c] for c in channels], dtype=float),
        value_per_unit=value_per_unit(channels, curves.response_unit, cltv, conversion),
        value_draws=value_per_unit_draws(channels, curves.response_unit, cltv, conversion,
                                         len(curves.bootstrap), seed),
    )
