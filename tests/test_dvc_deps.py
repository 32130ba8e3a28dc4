"""Every DVC stage declares, as deps, each project module its script imports.

A module missing from a stage's deps would let `dvc repro` keep stale outputs after that
module changed. The imports are read with `ast`, following project modules transitively;
a dep covers a module when it is the module's file or a folder holding it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("features", "models", "pipelines")


def module_file(name: str) -> Path | None:
    """The project file of a dotted module name, or None for a third-party one."""
    if name.split(".")[0] not in PACKAGES:
        return None
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    """Dotted names a file imports at any level (functions included: lazy imports count)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def project_closure(start: Path) -> set[Path]:
    """Project files `start` needs, itself included, following imports transitively."""
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_modules(path):
            found = module_file(name)
            if found is not None and found not in seen:
                todo.append(found)
    return {path for path in seen if path.name != "__init__.py" or path.stat().st_size > 0}


def python_stages() -> dict[str, tuple[Path, list[str]]]:
    """Stage name -> (script, deps) for every stage run as ``python -m pipelines.<x>``."""
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    stages = {}
    for name, stage in spec["stages"].items():
        match = re.fullmatch(r"python -m (pipelines\.\w+)", stage["cmd"].strip())
        if match:
            script = module_file(match.group(1))
            assert script is not None, f"stage {name}: no file for {match.group(1)}"
            stages[name] = (script, [str(dep) for dep in stage.get("deps", [])])
    return stages


def covered(path: Path, deps: list[str]) -> bool:
    relative = path.relative_to(ROOT)
    return any(relative == Path(dep) or Path(dep) in relative.parents for dep in deps)


@pytest.mark.parametrize("stage", sorted(python_stages()))
def test_stage_deps_cover_every_imported_module(stage: str) -> None:
    script, deps = python_stages()[stage]
    missing = sorted(str(path.relative_to(ROOT)) for path in project_closure(script)
                     if not covered(path, deps))
    assert not missing, f"dvc.yaml stage {stage} lacks deps: {missing}"


def test_closure_follows_imports_transitively() -> None:
    closure = {str(p.relative_to(ROOT)) for p in project_closure(ROOT / "pipelines/features.py")}
    assert {"pipelines/features.py", "features/leads.py", "features/team_form.py",
            "models/io.py"} <= closure
