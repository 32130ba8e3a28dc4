"""Stage ``score_leads``: P(convert), expected value and reasons for the leads still open."""

from __future__ import annotations

import argparse

import pandas as pd

from models.conversion.rows import open_lead_ids
from models.conversion.scoring import SCORE_COLUMNS, p_convert
from models.conversion.store import MODEL_FILE, load_conversion_model
from models.incentives.credit import CREDIT_COLUMNS, staff_credit
from models.io import write_csv
from models.scale.leads import score_in_parts
from pipelines import outputs
from pipelines.engine import engine_tasks, stage_engine
from pipelines.inputs import read_channel_cltv, read_cutoff, read_prepared_table
from pipelines.params import load_params
from pipelines.params.train_conversion import parse_train_conversion


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    settings, paths = parse_train_conversion(params.section("train_conversion")), params.paths
    out = outputs.LEAD_SCORES.path(paths)
    model_dir = outputs.CONVERSION_MODEL_DIR.path(paths)
    leads = read_prepared_table(paths.prepared, "leads")
    if leads is None or not (model_dir / MODEL_FILE).is_file():  # no leads, no model
        write_csv(out, pd.DataFrame(columns=list(SCORE_COLUMNS)))
        write_csv(outputs.STAFF_CREDIT.path(paths), pd.DataFrame(columns=list(CREDIT_COLUMNS)))
        return
    cutoff = read_cutoff(paths)
    features = pd.read_parquet(outputs.LEAD_FEATURES.path(paths))
    open_ids = open_lead_ids(leads, cutoff, settings.window_days)
    cltv = read_channel_cltv(outputs.CHANNEL_CLTV.path(paths))
    model = load_conversion_model(model_dir)
    with engine_tasks(stage_engine(params.raw)) as tasks:  # engine: local | dask
        scores = score_in_parts(tasks, model, features.loc[features["lead_id"].isin(open_ids)],
                                cltv)
    write_csv(out, scores, "%.6f")
    referred = leads.reindex(columns=["lead_id", "channel", "referred_by", "customer_id"])
    rows = features["lead_id"].isin(referred.loc[referred["referred_by"].notna(), "lead_id"])
    credit = staff_credit(referred, p_convert(model, features.loc[rows]), cltv, open_ids,
                          read_prepared_table(paths.prepared, "staff"))
    write_csv(outputs.STAFF_CREDIT.path(paths), credit, "%.4f")


if __name__ == "__main__":
    main()
