"""Params of stage ``monitor``: the stage pooling switch."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.params import ParamsError
from pipelines.params.monitor import parse_monitor

SECTION = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "params.yaml").read_text())["monitor"]


def test_pool_stages_is_read_and_defaults_to_on_when_missing() -> None:
    assert parse_monitor(SECTION, seed=0).config.windows.pool_stages is True
    off = parse_monitor(SECTION | {"pool_stages": False}, seed=0)
    assert off.config.windows.pool_stages is False
    older = {key: value for key, value in SECTION.items() if key != "pool_stages"}
    assert parse_monitor(older, seed=0).config.windows.pool_stages is True


def test_pool_stages_must_be_true_or_false() -> None:
    with pytest.raises(ParamsError, match=r"monitor\.pool_stages"):
        parse_monitor(SECTION | {"pool_stages": "yes"}, seed=0)
