"""The layout holds: no import cycle, no god module, thin stage scripts, one home per domain.

Imports are read with ``ast`` at every level (function bodies and ``TYPE_CHECKING`` blocks
included), so a cycle hidden behind a lazy import is still a cycle of concerns.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.test_dvc_deps import imported_modules

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("features", "models", "pipelines")
MAX_MODULE_LINES = 400
MAX_STAGE_LINES = 60
MODELS_ROOT_MODULES = {"__init__", "io", "tabular", "metrics", "figures", "boosting"}


def project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Project modules ``path`` imports (``from a import b`` counts ``a.b`` when it is one)."""
    return imported_modules(path) & known


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in project_files()}
    known = set(files)
    return {name: imports_of(path, known) - {name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_there_is_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it"


def stage_scripts() -> list[Path]:
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    scripts = []
    for stage in spec["stages"].values():
        match = re.fullmatch(r"python -m pipelines\.(\w+)", stage["cmd"].strip())
        if match:
            scripts.append(ROOT / "pipelines" / f"{match.group(1)}.py")
    return sorted(scripts)


@pytest.mark.parametrize("path", stage_scripts(), ids=lambda p: p.stem)
def test_stage_scripts_are_thin(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_STAGE_LINES, f"stage script {path.name} has {lines} lines"


def test_cli_commands_never_import_stage_scripts() -> None:
    stages = {f"pipelines.{path.stem}" for path in stage_scripts()}
    graph = import_graph()
    offending = {name: sorted(graph[name] & stages) for name in graph
                 if name.startswith("pipelines.commands") or name == "pipelines.cli"}
    assert {name: found for name, found in offending.items() if found} == {}


def test_models_root_holds_only_shared_modules() -> None:
    root = {path.stem for path in (ROOT / "models").glob("*.py")}
    assert root - MODELS_ROOT_MODULES == set(), "domain modules at the models/ root"


def test_tests_mirror_the_domain_packages() -> None:
    domains = {path.name for path in (ROOT / "models").iterdir()
               if path.is_dir() and (path / "__init__.py").is_file()}
    mirrored = {path.name for path in (ROOT / "tests" / "models").iterdir() if path.is_dir()}
    assert domains - {"__pycache__"} <= mirrored
