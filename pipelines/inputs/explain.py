"""Read the saved models the ``explain`` stage explains, with the rows each is explained on."""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import pandas as pd

from models.explain.rows import ModelRows, cltv_rows, lead_rows, new_customer_rows
from models.io import load_booster
from pipelines import outputs
from pipelines.inputs import read_prepared
from pipelines.params import Paths


@dataclass(frozen=True)
class ModelToExplain:
    """A saved booster and the encoded rows it is explained on."""

    name: str
    booster: lgb.Booster
    rows: ModelRows


def models_to_explain(paths: Paths) -> tuple[list[ModelToExplain], dict[str, str]]:
    """Load the CLTV, new-customer CLTV and conversion models that exist, with their rows.

    Returns
    -------
    tuple of (list of ModelToExplain, dict of str to str)
        The models to explain, and the reason each missing one is skipped.
    """
    data = read_prepared(paths.prepared)
    found: list[ModelToExplain] = []
    skipped: dict[str, str] = {}
    cltv = outputs.CLTV_MODEL_DIR.path(paths)
    for name, file, build in (("cltv", "model.txt", cltv_rows),
                              ("cltv_new_customer", "new_customer.txt", new_customer_rows)):
        if not (cltv / file).is_file():
            skipped[name] = f"no model at {cltv / file}"
            continue
        booster, meta = load_booster(cltv / file)
        found.append(ModelToExplain(name, booster, build(data.customers, data.orders, meta)))
    conversion = outputs.CONVERSION_MODEL_DIR.path(paths) / "model.txt"
    leads = outputs.LEAD_FEATURES.path(paths)
    if conversion.is_file() and leads.is_file():
        booster, state = load_booster(conversion)
        found.append(ModelToExplain("conversion", booster,
                                    lead_rows(pd.read_parquet(leads), state)))
    else:
        skipped["conversion"] = "no lead conversion model (the input has no leads table)"
    return found, skipped
