"""The page's callbacks through Dash's own HTTP endpoint, as the browser calls them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dash import Dash

from pipelines.app.server import build_app
from pipelines.inputs.app import load_app_world
from pipelines.params import load_params
from tests.pipelines.app_world import CHANNELS, SEARCH, SOCIAL, write_world

ORDER = sorted(CHANNELS)
PLAN_OUTPUTS = [("plan-table", "children"), ("summary", "children"), ("caption", "children"),
                ("plan-store", "data"), ("message", "children")]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Dash:
    loaded = load_params(write_world(Path(tmp_path_factory.mktemp("app-http"))))
    return build_app(load_app_world(loaded.paths, loaded.seed))


def per_channel(kind: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{"id": {"type": kind, "index": i}, "property": "value", "value": v}
            for i, v in enumerate(values)]


def replan(page: Dash, budget: Any, minimums: list[Any], locks: list[Any]) -> dict[str, Any]:
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in PLAN_OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in PLAN_OUTPUTS],
        "inputs": [{"id": "budget", "property": "value", "value": budget},
                   {"id": "weeks", "property": "value", "value": 13},
                   per_channel("min", minimums), per_channel("max", [None] * len(ORDER)),
                   per_channel("lock", locks)],
        "changedPropIds": ["budget.value"], "state": []}
    response = page.server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code == 200
    return dict(response.get_json()["response"])


def test_a_new_budget_and_a_lock_come_back_as_a_new_plan(page: Dash) -> None:
    locks = [["lock"] if c == SOCIAL else [] for c in ORDER]
    got = replan(page, 260_000, [None] * len(ORDER), locks)
    assert got["caption"]["children"].startswith("Plan for a budget of 260,000 over 13 weeks")
    assert got["message"]["children"] == ""
    records = {r["channel"]: r for r in got["plan-store"]["data"]["records"]}
    assert sum(r["recommended_weekly_spend"] for r in records.values()) * 13 == pytest.approx(
        260_000, rel=1e-9)
    assert records[SOCIAL]["binding"] == "locked"


def test_impossible_limits_send_only_the_message(page: Dash) -> None:
    minimums = [9_999_999 if c == SEARCH else None for c in ORDER]
    got = replan(page, 195_000, minimums, [[]] * len(ORDER))
    assert list(got) == ["message"]  # the table, summary and store are left as they were
    assert got["message"]["children"].startswith("No plan meets these limits")


def test_export_sends_the_stored_plan_as_csv(page: Dash) -> None:
    stored = replan(page, 195_000, [None] * len(ORDER), [[]] * len(ORDER))["plan-store"]["data"]
    body = {"output": "download.data", "outputs": {"id": "download", "property": "data"},
            "inputs": [{"id": "export", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["export.n_clicks"],
            "state": [{"id": "plan-store", "property": "data", "value": stored}]}
    response = page.server.test_client().post("/_dash-update-component", json=body)
    download = response.get_json()["response"]["download"]["data"]
    assert download["filename"] == "budget_allocation_whatif.csv"
    assert download["content"].splitlines()[0].startswith(
        "channel,current_weekly_spend,recommended_weekly_spend,change_pct")
    assert SEARCH in download["content"]
