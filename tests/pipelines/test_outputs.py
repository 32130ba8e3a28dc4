"""The outputs registry: one name per file, paths under params.yaml, defaults equal to it."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipelines import outputs
from pipelines.params import parse_params

ROOT = Path(__file__).resolve().parents[2]


def registered() -> dict[str, outputs.Output]:
    return {name: value for name, value in vars(outputs).items()
            if isinstance(value, outputs.Output)}


def test_default_folders_are_the_shipped_params() -> None:
    assert outputs.DEFAULT_FOLDERS == yaml.safe_load((ROOT / "params.yaml").read_text())["paths"]


def test_every_output_lives_under_a_params_folder_and_no_two_share_a_file() -> None:
    found = registered()
    assert {output.folder for output in found.values()} <= set(outputs.DEFAULT_FOLDERS)
    places = [(output.folder, output.name) for output in found.values()]
    assert len(places) == len(set(places))


def test_a_path_follows_the_params_and_the_default_follows_the_shipped_folders() -> None:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["paths"] = {key: f"elsewhere/{value}" for key, value in raw["paths"].items()}
    paths = parse_params(raw).paths
    assert outputs.BUDGET_ALLOCATION.path(paths) == Path("elsewhere/reports/budget_allocation.csv")
    assert outputs.BUDGET_ALLOCATION.default == Path("reports/budget_allocation.csv")
    record = outputs.run_record("train_cltv").path(paths)
    assert record == Path("elsewhere/data/runs/train_cltv.json")
