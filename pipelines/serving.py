"""The lead model as served: what ``train_conversion`` logs as an MLflow pyfunc.

The pyfunc is logged from code (``pipelines/lead_pyfunc.py``), never pickled. It takes raw
lead rows in the contract's columns and returns what ``score-leads`` writes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.contract_rules import TABLE_SPECS
from models.conversion.scoring import SCORE_COLUMNS
from models.conversion.serving import as_request, lead_history, request_types
from pipelines import outputs
from pipelines.params import Paths
from pipelines.tracking import PyfuncModel

CODE = Path(__file__).with_name("lead_pyfunc.py")
EXAMPLE_ROWS = 5


def lead_pyfunc(paths: Paths, leads: pd.DataFrame) -> PyfuncModel:
    """Describe the served model: its code, artefacts (model, history, CLTV) and signature.

    The channel CLTV (stage ``train_cltv``) is packed when present; without it the served
    ``expected_value`` is empty, as in ``score-leads`` without ``--cltv``.
    """
    artifacts = {"model": outputs.CONVERSION_MODEL_DIR.path(paths)}
    cltv = outputs.CHANNEL_CLTV.path(paths)
    if cltv.is_file():
        artifacts["cltv"] = cltv
    scores = {column: "double" if column in ("p_convert", "expected_value") else "string"
              for column in SCORE_COLUMNS}
    return PyfuncModel(CODE, artifacts, request_types(list(lead_history(leads).columns)),
                       TABLE_SPECS["leads"].required, scores)


def lead_example(leads: pd.DataFrame) -> pd.DataFrame:
    """Return the newest leads as a request: the logged model's input example."""
    return as_request(lead_history(leads).tail(EXAMPLE_ROWS).reset_index(drop=True))
