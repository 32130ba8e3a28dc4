"""The what-if page without a browser: its callbacks, layout, export and the `app` command."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from dash import Dash, no_update
from typer.testing import CliRunner

from models.allocation.plan import PLAN_COLUMNS
from pipelines.app.callbacks import (
    OUTPUT_KEYS,
    Request,
    curves_output,
    frontier_output,
    on_change,
    phase_weights,
    render,
    replan,
)
from pipelines.app.charts import label
from pipelines.app.server import build_app
from pipelines.app.view import export_csv, table_rows
from pipelines.cli import app as cli
from pipelines.inputs.app import AppWorld, load_app_world
from pipelines.params import load_params
from tests.pipelines.app_world import (
    CHANNELS,
    CURRENT,
    EVENTS,
    ROOT,
    SEARCH,
    SOCIAL,
    TEAM,
    write_world,
)

N = len(CHANNELS)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> AppWorld:
    loaded = load_params(write_world(tmp_path_factory.mktemp("app")))
    return load_app_world(loaded.paths, loaded.seed)


@pytest.fixture(scope="module")
def page(world: AppWorld) -> Dash:
    return build_app(world)


def ask(budget: Any = 195_000, weeks: Any = 13, minimums: list[Any] | None = None,
        maximums: list[Any] | None = None, locks: list[Any] | None = None) -> Request:
    return Request(budget, weeks, minimums or [None] * N, maximums or [None] * N,
                   locks or [[]] * N)


def texts(component: Any) -> Iterator[str]:
    """Every string in a Dash component tree, as React will render it (text nodes)."""
    if isinstance(component, str):
        yield component
    elif isinstance(component, list | tuple):
        for child in component:
            yield from texts(child)
    elif hasattr(component, "children"):
        yield from texts(component.children)


def test_channels_are_read_in_order_with_their_current_spend(world: AppWorld) -> None:
    assert world.planning.channels == sorted(CHANNELS)
    assert dict(zip(world.planning.channels, world.planning.current, strict=True)) == CURRENT


def test_a_plan_spends_the_budget_and_keeps_a_locked_channel(world: AppWorld) -> None:
    locks = [["lock"] if c == SOCIAL else [] for c in world.planning.channels]
    plan, weeks = replan(world, ask(budget=260_000, weeks=13, locks=locks))
    table = plan.table.set_index("channel")
    assert weeks == 13
    assert table["recommended_weekly_spend"].sum() * 13 == pytest.approx(260_000, rel=1e-9)
    assert table.loc[SOCIAL, "recommended_weekly_spend"] == pytest.approx(CURRENT[SOCIAL])
    assert table.loc[SOCIAL, "binding"] == "locked"


def test_a_period_minimum_is_met_per_week(world: AppWorld) -> None:
    minimums = [52_000 if c == EVENTS else None for c in world.planning.channels]
    plan, _ = replan(world, ask(budget=195_000, weeks=13, minimums=minimums))
    spend = plan.table.set_index("channel")["recommended_weekly_spend"]
    assert spend[EVENTS] >= 4_000.0 - 1e-6


def test_outputs_show_names_as_text_and_the_totals(world: AppWorld) -> None:
    outputs = dict(zip(OUTPUT_KEYS, on_change(world, ask(budget=130_000, weeks=10)), strict=True))
    cells = list(texts(outputs["table"]))
    for name in CHANNELS:  # each name is one text node, exactly as written: React escapes it
        assert name in cells
    assert "13,000" in cells  # the weekly total of 130,000 over 10 weeks
    assert outputs["message"] == ""
    assert "Plan for a budget of 130,000 over 10 weeks" in outputs["caption"]
    summary = " ".join(texts(outputs["summary"]))
    assert "P(plan beats the current mix)" in summary and "Optimality gap" in summary
    assert [r["channel"] for r in outputs["store"]["records"]] == world.planning.channels


@pytest.mark.parametrize(("request_", "message"), [
    (ask(budget=1_000, minimums=[52_000, None, None]), "No plan meets these limits"),
    (ask(budget=195_000, minimums=[52_000, None, None], maximums=[1_000, None, None]),
     "lower bound"),
    (ask(budget=99_999_999), "maximums sum"),
    (ask(budget=None), "the budget must be a number"),
    (ask(budget=-5), "the budget must be a number"),
    (ask(weeks=0), "whole number of weeks"),
    (ask(weeks=2.5), "whole number of weeks"),
    (ask(minimums=["abc", None, None]), "the minimum must be a number"),
])
def test_bad_input_shows_one_message_and_keeps_the_last_plan(
    world: AppWorld, request_: Request, message: str
) -> None:
    outputs = on_change(world, request_)
    assert all(value is no_update for value in outputs[:-1])  # the last plan stays on the page
    assert message in outputs[-1] and "The last valid plan is shown." in outputs[-1]


def test_the_export_has_the_columns_of_budget_allocation_csv(world: AppWorld) -> None:
    plan, weeks = replan(world, ask())
    stored = render(world, plan, weeks)["store"]
    frame = pd.read_csv(io.StringIO(export_csv(stored["records"])))
    assert list(frame.columns) == PLAN_COLUMNS
    assert list(frame["channel"]) == world.planning.channels  # names round-trip as written
    assert frame["recommended_weekly_spend"].sum() == pytest.approx(15_000.0, rel=1e-9)


def test_the_frontier_is_reused_while_the_budget_stays_in_its_span(world: AppWorld) -> None:
    cache: dict[Any, Any] = {}
    for budget in (180_000, 195_000, 210_000):
        plan, weeks = replan(world, ask(budget=budget))
        figure = frontier_output(world, render(world, plan, weeks)["store"], cache)
    assert len(cache) == 1
    chosen = next(trace for trace in figure.data if trace.name == "this plan")
    assert chosen.x[0] == pytest.approx(210_000)


def test_the_page_has_tabs_for_alerts_and_scorecard_with_names_as_text(page: Dash) -> None:
    layout = page.layout
    strings = list(texts(layout))
    assert SEARCH in strings and TEAM in strings  # in the alert segment and the scorecard
    assert f"team {TEAM}: -4.1 pts" in strings  # drivers, verbatim
    labels = [tab.label for tab in layout.children[2].children]
    assert labels == ["Plan", "Alerts", "Scorecard"]
    assert "12,346" in strings  # value at risk, rounded for reading


def test_phase_weights_are_sorted_and_unknown_phases_show_nothing(world: AppWorld) -> None:
    table = phase_weights(world, "profit")
    assert list(texts(table)) == ["kpi", "weight", "avg_cltv_new", "0.8", "leads", "0.2"]
    assert phase_weights(world, "<b>nope</b>") == ""


def test_without_alerts_or_scorecard_only_the_plan_tab_is_shown(tmp_path: Path) -> None:
    loaded = load_params(write_world(tmp_path, with_tables=False))
    layout = build_app(load_app_world(loaded.paths, loaded.seed)).layout
    assert [tab.label for tab in layout.children[2].children] == ["Plan"]


def test_chart_labels_escape_tags_for_plotly(world: AppWorld) -> None:
    plan, weeks = replan(world, ask())
    figure = curves_output(world, render(world, plan, weeks)["store"])
    recommended = next(t for t in figure.data
                       if t.name == "recommended" and t.text[0] == label(SEARCH))
    assert recommended.x[0] == pytest.approx(plan.table.set_index("channel").loc[
        SEARCH, "recommended_weekly_spend"])
    titles = [a.text for a in figure.layout.annotations]
    assert titles == [label(c) for c in world.planning.channels]
    assert label(SEARCH) == "&lt;b&gt;search&lt;/b&gt;"
    assert label(SOCIAL) == 'social &amp; "friends"'


def test_table_rows_round_numbers_but_keep_labels() -> None:
    frame = pd.DataFrame({"team": ["007", "NaN"], "score": ["71.234", "1234.5"]})
    assert table_rows(frame) == [["007", "71.2"], ["NaN", "1,234"]]


def test_the_page_serves_its_layout_with_names_as_json_strings(page: Dash) -> None:
    client = page.server.test_client()
    assert client.get("/").status_code == 200
    response = client.get("/_dash-layout")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<b>" not in body and "<img" not in body  # nothing a browser could parse as markup
    assert SEARCH in json_strings(json.loads(body))  # the name comes back as written


def json_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from json_strings(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from json_strings(item)


def test_the_command_binds_localhost_by_default(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr("pipelines.app.server.serve",
                        lambda app, host, port: served.update(host=host, port=port))
    params = write_world(tmp_path)
    result = CliRunner().invoke(cli, ["app", "--params", str(params), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == {"host": "127.0.0.1", "port": 8123}
    assert "http://127.0.0.1:8123/" in result.output


def test_a_missing_output_names_the_stage_to_run(tmp_path: Path) -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] |= {"models": str(tmp_path / "none"), "predictions": str(tmp_path / "none")}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    result = CliRunner().invoke(cli, ["app", "--params", str(tmp_path / "params.yaml")])
    assert result.exit_code == 1
    assert "dvc repro fit_response" in result.output
    assert "Traceback" not in result.output
