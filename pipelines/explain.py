"""Stage ``explain``: native TreeSHAP tables and figures for the CLTV and conversion models."""

from __future__ import annotations

import argparse
from typing import Any

from models.explain.plots import explanation_figures
from models.explain.rows import restrict
from models.explain.tables import explain, explanation_tables, sample_rows
from models.io import write_bytes, write_json, write_parquet
from pipelines import outputs
from pipelines.inputs.explain import models_to_explain
from pipelines.params import load_params
from pipelines.params.explain import parse_explain


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg, paths = parse_explain(params.section("explain")), params.paths
    found, skipped = models_to_explain(paths)
    summary: dict[str, Any] = {"skipped": skipped, "models": {}}
    for model in found:
        rows = restrict(model.rows, sample_rows(len(model.rows.features), cfg.max_rows,
                                                params.seed))
        explanation = explain(model.booster, rows.features, model.name, rows.channels,
                              rows.categories)
        tables = explanation_tables(explanation, cfg.dependence_features)
        for suffix, table in tables.items():
            write_parquet(paths.explanations / f"{model.name}_{suffix}.parquet", table)
        figures = explanation_figures(explanation, tables, cfg.plot_rows, params.seed,
                                      cfg.top_features)
        for suffix, content in figures.items():
            write_bytes(outputs.EXPLAIN_FIGURES.path(paths) / f"{model.name}_{suffix}.png",
                        content)
        summary["models"][model.name] = {
            "rows_available": len(model.rows.features), "rows_explained": len(rows.features),
            "base_value": explanation.base_value, "link": str(explanation.link),
            "top_features": tables["importance"]["feature"].head(5).tolist(),
            "figures": sorted(f"{model.name}_{suffix}.png" for suffix in figures)}
    write_json(outputs.EXPLAIN_SUMMARY.path(paths), summary)


if __name__ == "__main__":
    main()
