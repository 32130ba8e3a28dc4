"""Stage ``report``: reports/index.html, one self-contained page built from the stage outputs."""

from __future__ import annotations

import argparse
from pathlib import Path

from models.io import write_text
from models.report.page import render_report
from pipelines.params import load_params
from pipelines.report_inputs import load_report_inputs

PAGE = "index.html"


def build_report(params_path: Path) -> Path:
    """Render the page from the outputs that exist and write it atomically; return its path."""
    params = load_params(params_path)
    page = render_report(load_report_inputs(params, params_path))
    return write_text(Path(params.paths.reports) / PAGE, page)


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    build_report(Path(parser.parse_args().params))


if __name__ == "__main__":
    main()
