"""``channelwise monitor`` on a small simulated world: files, exit codes, webhook, bad input."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from typer.testing import CliRunner

from models.io import write_table
from models.simulation.generator import simulate_world
from pipelines.cli import app
from pipelines.commands.notify import post_json

runner = CliRunner()


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    world = simulate_world(42, "small")
    for name in ("customers", "orders", "spend", "leads"):
        write_table(root, name, getattr(world, name), "parquet")
    return root


class Hook(BaseHTTPRequestHandler):
    """Records POSTed bodies; ``modes`` says what each successive request gets."""

    bodies: ClassVar[list[dict[str, object]]] = []
    modes: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.bodies.append(json.loads(body))
        mode = Hook.modes.pop(0) if Hook.modes else "ok"
        if mode == "hang":
            time.sleep(1.5)
        self.send_response(500 if mode == "error" else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def hook() -> Iterator[str]:
    Hook.bodies, Hook.modes = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_writes_files_and_posts_the_summary(world_dir: Path, tmp_path: Path, hook: str) -> None:
    done = runner.invoke(app, ["monitor", "--data", str(world_dir), "--out", str(tmp_path),
                               "--weeks", "52", "--notify", hook])
    assert done.exit_code == 0, done.output
    alerts = pd.read_csv(tmp_path / "alerts.csv")
    assert list(alerts.columns) == ["kpi", "segment_type", "segment", "first_week",
                                    "last_week", "observed", "expected", "lower", "upper",
                                    "direction", "severity", "value_at_risk", "drivers"]
    assert alerts["severity"].is_monotonic_decreasing
    series = pd.read_csv(tmp_path / "kpi_series.csv")
    assert {"churn_rate", "conversion_cycle_days", "lead_conversion_rate"} <= set(series["kpi"])
    assert len(Hook.bodies) == 1
    body = Hook.bodies[0]
    assert str(body["text"]).startswith("channelwise monitor as of")
    assert len(body["alerts"]) == len(alerts)  # type: ignore[arg-type]


def test_fail_on_alert_exits_3(world_dir: Path, tmp_path: Path) -> None:
    done = runner.invoke(app, ["monitor", "--data", str(world_dir), "--out", str(tmp_path),
                               "--weeks", "52", "--fail-on-alert"])
    assert len(pd.read_csv(tmp_path / "alerts.csv")) > 0
    assert done.exit_code == 3


def test_failing_webhook_keeps_the_files(world_dir: Path, tmp_path: Path, hook: str) -> None:
    Hook.modes = ["error", "hang", "hang"]
    done = runner.invoke(app, ["monitor", "--data", str(world_dir), "--out", str(tmp_path),
                               "--notify", hook, "--notify-timeout", "0.5"])
    assert done.exit_code == 0
    assert (tmp_path / "alerts.csv").is_file()
    assert "3 attempt(s) failed: HTTP 500, timed out, timed out;" in done.output
    assert "alerts.csv is written" in done.output
    assert "Traceback" not in done.output


def test_post_json_reports_http_errors(hook: str) -> None:
    Hook.modes = ["error", "error"]
    assert post_json(hook, {"text": "x"}, timeout=1.0, attempts=2, backoff=0.0) == \
        "2 attempt(s) failed: HTTP 500, HTTP 500"
    assert post_json(hook, {"text": "x"}, timeout=1.0, attempts=1) is None


def test_as_of_ignores_later_rows(world_dir: Path, tmp_path: Path) -> None:
    args = ["monitor", "--as-of", "2025-06-30", "--weeks", "30"]
    first = runner.invoke(app, [*args, "--data", str(world_dir), "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    changed = tmp_path / "changed"
    changed.mkdir()
    for name in ("customers", "spend", "leads"):
        (changed / f"{name}.parquet").write_bytes((world_dir / f"{name}.parquet").read_bytes())
    orders = pd.read_parquet(world_dir / "orders.parquet")
    late = orders["ordered_at"] >= pd.Timestamp("2025-06-30")
    orders.loc[late, "revenue"] = orders.loc[late, "revenue"] * 10  # rows after --as-of
    orders.to_parquet(changed / "orders.parquet")
    second = runner.invoke(app, [*args, "--data", str(changed), "--out", str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    for name in ("alerts.csv", "kpi_series.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_bad_input_names_table_and_column(world_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("customers", "spend", "leads"):
        (bad / f"{name}.parquet").write_bytes((world_dir / f"{name}.parquet").read_bytes())
    orders = pd.read_parquet(world_dir / "orders.parquet").drop(columns=["revenue"])
    orders.to_parquet(bad / "orders.parquet")
    done = runner.invoke(app, ["monitor", "--data", str(bad), "--out", str(tmp_path / "o")])
    assert done.exit_code == 1
    assert "orders" in done.output and "revenue" in done.output
    assert "Traceback" not in done.output
    assert not (tmp_path / "o" / "alerts.csv").exists()


def test_bad_date_is_one_line(world_dir: Path) -> None:
    done = runner.invoke(app, ["monitor", "--data", str(world_dir), "--as-of", "soon"])
    assert done.exit_code == 1
    assert "--as-of 'soon': not a date" in done.output


def test_notify_must_be_http(world_dir: Path) -> None:
    done = runner.invoke(app, ["monitor", "--data", str(world_dir), "--notify", "file:///etc"])
    assert done.exit_code == 1
    assert "must be an http:// or https:// URL" in done.output


def test_help_has_an_example() -> None:
    done = runner.invoke(app, ["monitor", "--help"])
    assert done.exit_code == 0
    assert "Example" in done.output and "--fail-on-alert" in done.output
