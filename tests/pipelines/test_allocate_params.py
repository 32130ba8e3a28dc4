"""The ``allocate`` params: optional targets and risk aversion; a budget excludes a target."""

from __future__ import annotations

import pytest

from pipelines.params import ParamsError
from pipelines.params.allocate import parse_allocate

BASE = {"budget": None, "frontier_min": 0.5, "frontier_max": 1.5, "frontier_points": 21}


def test_the_new_keys_default_to_the_risk_neutral_plan_at_the_current_budget() -> None:
    params = parse_allocate(BASE)
    assert (params.target_value, params.target_roi, params.risk_aversion) == (None, None, 0.0)


def test_targets_and_risk_aversion_are_read() -> None:
    params = parse_allocate(BASE | {"target_value": 150000, "target_roi": 1.0,
                                    "risk_aversion": 0.5})
    assert (params.target_value, params.target_roi, params.risk_aversion) == (150000, 1.0, 0.5)


@pytest.mark.parametrize(("extra", "message"), [
    ({"budget": 50000, "target_value": 100000}, "not both"),
    ({"risk_aversion": -1}, "risk_aversion"),
    ({"target_roi": "high"}, "target_roi must be a number"),
])
def test_bad_values_are_named(extra: dict[str, object], message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        parse_allocate(BASE | extra)
