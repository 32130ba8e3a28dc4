"""Stage ``report``: reports/index.html, one self-contained page built from the stage outputs."""

from __future__ import annotations

import argparse
from pathlib import Path

from models.io import write_text
from models.report.page import render_report
from pipelines import outputs
from pipelines.inputs.report import load_report_inputs
from pipelines.params import load_params


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params_path = Path(parser.parse_args().params)
    params = load_params(params_path)
    page = render_report(load_report_inputs(params, params_path))
    write_text(outputs.REPORT_PAGE.path(params.paths), page)


if __name__ == "__main__":
    main()
