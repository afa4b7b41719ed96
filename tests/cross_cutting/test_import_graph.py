"""Imports point inward: the core imports nothing of the collector or the dashboard, and only the composition
root (``footfall.app``) assembles them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("footfall", "collector", "dashboard")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / package).rglob("*.py"))}


def is_root(name: str) -> bool:
    return name == "footfall.__main__" or name == "footfall.app" or name.startswith("footfall.app.")


CORE = {name: path for name, path in modules("footfall").items() if not is_root(name)}


def imported(path: Path) -> set[str]:
    """Every module of ours that ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] in OURS}


def test_the_core_and_the_root_are_where_expected() -> None:
    assert {"footfall.settings", "footfall.schema", "footfall.storage.clickhouse", "footfall.metadata.sites",
            "footfall.deletion", "footfall.export", "footfall.retention", "footfall.paths", "footfall.logs"} <= set(CORE)
    assert {"footfall.app.services", "footfall.app.asgi", "footfall.app.cli", "footfall.app.admin"} <= set(
        modules("footfall"))


def test_the_core_imports_nothing_of_the_collector_dashboard_or_root() -> None:
    wrong = {
        name: sorted(n for n in imported(path) if n.split(".")[0] in ("collector", "dashboard") or is_root(n))
        for name, path in CORE.items()
    }
    assert {name: found for name, found in wrong.items() if found} == {}


def test_the_collector_and_dashboard_do_not_import_the_root() -> None:
    packages = {**modules("collector"), **modules("dashboard")}
    wrong = {name: sorted(n for n in imported(path) if is_root(n)) for name, path in packages.items()}
    assert {name: found for name, found in wrong.items() if found} == {}


def test_the_collector_does_not_import_the_dashboard() -> None:
    wrong = {name: sorted(n for n in imported(path) if n.startswith("dashboard"))
             for name, path in modules("collector").items()}
    assert {name: found for name, found in wrong.items() if found} == {}


def test_importing_the_core_loads_no_collector_or_dashboard_module() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {sorted(CORE)!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('collector', 'dashboard')"
        " or m.startswith('footfall.app'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
