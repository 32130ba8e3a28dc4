"""The CLI starts fast: registering commands must not import the heavy modelling stack."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["lightgbm", "shap", "mlflow", "matplotlib", "pandera", "sklearn", "scipy.optimize",
         "scipy.signal", "dvc"]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import json, sys; import pipelines.cli; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_every_command_has_help_with_an_example() -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    runner = CliRunner()
    commands = [c.name for c in app.registered_commands]
    assert {"simulate", "validate", "allocate"} <= set(commands)
    for name in commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example: channelwise" in result.output, name
