"""Typed params of stage ``explain`` and the models it explains, read from the stage outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from models.explain.rows import ModelRows, cltv_rows, lead_rows, new_customer_rows
from models.io import load_booster
from pipelines.params import ParamsError
from pipelines.prepared import read_prepared

if TYPE_CHECKING:
    import lightgbm as lgb


@dataclass(frozen=True)
class ExplainParams:
    """Params of stage ``explain``: rows explained, rows plotted and features shown."""

    max_rows: int
    plot_rows: int
    top_features: int
    dependence_features: int

    @classmethod
    def parse(cls, section: dict[str, Any]) -> ExplainParams:
        """Validate the ``explain`` section: positive integers."""
        values = {}
        for key in ("max_rows", "plot_rows", "top_features", "dependence_features"):
            try:
                values[key] = int(section[key])
            except (KeyError, TypeError, ValueError) as err:
                raise ParamsError(f"params.yaml: explain.{key} must be an integer") from err
            if values[key] < 1:
                raise ParamsError(f"params.yaml: explain.{key} must be at least 1")
        return cls(**values)


@dataclass(frozen=True)
class ModelToExplain:
    """A saved booster and the encoded rows it is explained on."""

    name: str
    booster: lgb.Booster
    rows: ModelRows


def models_to_explain(
    models_dir: Path, prepared_dir: Path, features_dir: Path
) -> tuple[list[ModelToExplain], dict[str, str]]:
    """Load the CLTV, new-customer CLTV and conversion models that exist, with their rows.

    Returns
    -------
    tuple of (list of ModelToExplain, dict of str to str)
        The models to explain, and the reason each missing one is skipped.
    """
    data = read_prepared(prepared_dir)
    found: list[ModelToExplain] = []
    skipped: dict[str, str] = {}
    cltv = models_dir / "cltv"
    for name, file, build in (("cltv", "model.txt", cltv_rows),
                              ("cltv_new_customer", "new_customer.txt", new_customer_rows)):
        if not (cltv / file).is_file():
            skipped[name] = f"no model at {cltv / file}"
            continue
        booster, meta = load_booster(cltv / file)
        found.append(ModelToExplain(name, booster, build(data.customers, data.orders, meta)))
    conversion = models_dir / "conversion" / "model.txt"
    leads = features_dir / "leads.parquet"
    if conversion.is_file() and leads.is_file():
        booster, state = load_booster(conversion)
        found.append(ModelToExplain("conversion", booster,
                                    lead_rows(pd.read_parquet(leads), state)))
    else:
        skipped["conversion"] = "no lead conversion model (the input has no leads table)"
    return found, skipped
