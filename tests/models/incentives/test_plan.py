"""Plans and schemes: the keys they need, and one clear message naming the file and key."""

from __future__ import annotations

import pytest

from models.incentives.plan import HIGHER, LOWER, PlanError, parse_plan, parse_scheme

KPIS = ("leads", "revenue", "cac")
DEFAULTS = {"cac": LOWER}
PLAN = {"name": "sales", "scheme": "suggested", "base": 60000, "variable": 20000,
        "shares": {"kpi": 0.7, "admin": 0.3}, "floor": 0.5, "cap": 1.5,
        "tiers": [{"kpi": "revenue", "above": 1.2, "rate": 0.03}]}


def test_a_scheme_normalises_its_weights_and_fills_directions() -> None:
    scheme = parse_scheme({"name": "mine", "weights": {"revenue": 3, "cac": 1},
                           "directions": {"revenue": "higher"}}, "mine.yaml", KPIS, DEFAULTS)
    assert scheme.weights == {"revenue": 0.75, "cac": 0.25}
    assert scheme.directions == {"revenue": HIGHER, "cac": LOWER}


@pytest.mark.parametrize(("raw", "key"), [
    ({"weights": {"clicks": 1}}, "weights.clicks"),
    ({"weights": {"leads": -1}}, "'leads'"),
    ({"name": "x"}, "'weights'"),
    ({"weights": {"leads": 1}, "directions": {"leads": "up"}}, "directions.leads"),
])
def test_a_bad_scheme_names_the_file_and_the_key(raw: dict, key: str) -> None:
    with pytest.raises(PlanError, match=f"scheme.yaml.*{key}"):
        parse_scheme(raw, "scheme.yaml", KPIS, DEFAULTS)


def test_a_plan_reads_its_keys() -> None:
    plan = parse_plan(PLAN, "plan.yaml", KPIS)
    assert (plan.base, plan.variable, plan.kpi_share, plan.admin_share) == (60000, 20000, 0.7,
                                                                             0.3)
    assert plan.tiers[0].kpi == "revenue" and plan.kpi_cap == 2.0 and plan.admin_attainment == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"shares": {"kpi": 0.7, "admin": 0.4}}, "must sum to 1"),
    ({"base": -1}, "'base'"),
    ({"variable": None}, "'variable'"),
    ({"bonus": 1}, "unknown key.*bonus"),
    ({"tiers": [{"kpi": "clicks", "above": 1.2, "rate": 0.03}]}, r"tiers\[0\].*'kpi'"),
])
def test_a_bad_plan_names_the_file_and_the_key(change: dict, message: str) -> None:
    with pytest.raises(PlanError, match=f"plan.yaml.*{message}"):
        parse_plan(PLAN | change, "plan.yaml", KPIS)


def test_a_plan_without_base_says_so() -> None:
    raw = {k: v for k, v in PLAN.items() if k != "base"}
    with pytest.raises(PlanError, match=r"plan\.yaml: 'base' is missing"):
        parse_plan(raw, "plan.yaml", KPIS)
