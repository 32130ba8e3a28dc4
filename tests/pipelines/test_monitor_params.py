"""Params of stage ``monitor``: the switches added after the first release."""

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


def test_the_churn_evidence_settings_are_read_and_default_when_missing() -> None:
    windows = parse_monitor(SECTION, seed=0).config.windows
    assert windows.churn_evidence is True and windows.churn_lifetime_days == 650.0
    changed = parse_monitor(SECTION | {"churn_evidence": False, "churn_lifetime_days": 365},
                            seed=0).config.windows
    assert changed.churn_evidence is False and changed.churn_lifetime_days == 365.0
    older = {key: value for key, value in SECTION.items()
             if key not in ("churn_evidence", "churn_lifetime_days")}
    assert parse_monitor(older, seed=0).config.windows == windows


@pytest.mark.parametrize(("key", "value"), [("churn_evidence", 1), ("churn_lifetime_days", 5)])
def test_bad_churn_evidence_settings_name_the_key(key: str, value: object) -> None:
    with pytest.raises(ParamsError, match=rf"monitor\.{key}"):
        parse_monitor(SECTION | {key: value}, seed=0)


def test_the_conversion_settings_are_read_and_default_when_missing() -> None:
    config = parse_monitor(SECTION, seed=0).config
    assert config.windows.rest_weeks == 0 and config.rule.min_conversion_change == 0.05
    changed = parse_monitor(SECTION | {"rest_weeks": 8, "min_conversion_change": 0.0},
                            seed=0).config
    assert changed.windows.rest_weeks == 8 and changed.rule.min_conversion_change == 0.0
    older = {key: value for key, value in SECTION.items()
             if key not in ("rest_weeks", "min_conversion_change")}
    assert parse_monitor(older, seed=0).config == config


@pytest.mark.parametrize(("key", "value"), [("rest_weeks", 2.5), ("rest_weeks", -1),
                                            ("min_conversion_change", 2.0)])
def test_bad_conversion_settings_name_the_key(key: str, value: object) -> None:
    with pytest.raises(ParamsError, match=rf"monitor\.{key}"):
        parse_monitor(SECTION | {key: value}, seed=0)
