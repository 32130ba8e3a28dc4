"""The lead conversion model as MLflow serves it, logged from code (no pickle).

MLflow runs this file when it loads the model: ``set_model`` names the model. The model
scores raw lead rows with the code path of ``score-leads``; the team form comes from the
leads kept at training (``history.parquet`` beside the model), see docs/mlops.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.models import set_model
from mlflow.pyfunc import PythonModel

from models.conversion.serving import score_with_history
from models.conversion.store import load_conversion_model, load_lead_history
from pipelines.inputs import read_channel_cltv


class LeadScorer(PythonModel):
    """P(convert), expected value and three reasons for raw lead rows."""

    def load_context(self, context: Any) -> None:
        """Load the model, the training leads and the channel CLTV from the artefacts."""
        directory = Path(context.artifacts["model"])
        self.model_ = load_conversion_model(directory)
        self.history_ = load_lead_history(directory)
        cltv = context.artifacts.get("cltv")
        self.cltv_ = read_channel_cltv(Path(cltv)) if cltv else None

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Score the rows: ``lead_id``, ``p_convert``, ``expected_value``, ``reason_1..3``."""
        return score_with_history(self.model_, self.history_, model_input, self.cltv_)


set_model(LeadScorer())
