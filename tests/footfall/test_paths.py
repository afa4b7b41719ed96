"""Shipped files are found from the package, and a missing one is an error at start, never a silent no-op."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector import optout_page, static_files
from dashboard import web
from footfall import paths
from footfall.app.cli import main
from footfall.paths import MissingFiles
from footfall.storage import migrations


def test_the_shipped_folders_hold_the_migrations_and_scripts() -> None:
    assert [p.name for p in paths.require(paths.SQL_DIR, "*.sql", "migrations")][0] == "0001_events.sql"
    assert {"footfall.js", "optout.js"} <= {p.name for p in paths.require(paths.STATIC_DIR, "*.js", "scripts")}


def test_paths_do_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    code = "from footfall import paths; print(paths.SQL_DIR); print(paths.STATIC_DIR)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.split() == [str(paths.SQL_DIR), str(paths.STATIC_DIR)]


def test_no_migration_files_is_an_error_not_up_to_date(tmp_path: Path) -> None:
    with pytest.raises(MissingFiles, match="migrations not found"):
        migrations.discover(tmp_path)
    (tmp_path / "README.txt").write_text("not a migration")
    (tmp_path / "notes.sql").write_text("SELECT 1;")
    with pytest.raises(MissingFiles, match="NNNN_name.sql"):
        migrations.discover(tmp_path)
    with pytest.raises(MissingFiles, match="does not exist"):
        migrations.discover(tmp_path / "gone")


def test_a_missing_script_stops_the_collector_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "footfall.js").write_text("//")
    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path)
    with pytest.raises(MissingFiles, match="optout.js"):
        static_files.static_routes()


def test_a_missing_opt_out_template_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optout_page, "TEMPLATES", tmp_path)
    with pytest.raises(MissingFiles, match="opt-out page template"):
        optout_page.check_files()


def test_the_dashboard_checks_its_templates_and_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web.check_files()  # the real ones are complete
    templates, assets = tmp_path / "templates", tmp_path / "static"
    monkeypatch.setattr(web, "TEMPLATES", templates)
    monkeypatch.setattr(web, "STATIC", assets)
    with pytest.raises(MissingFiles, match="templates not found"):
        web.check_files()
    templates.mkdir()
    (templates / "login.html").write_text('{% extends "base.html" %}')
    with pytest.raises(MissingFiles, match="assets not found"):
        web.check_files()
    assets.mkdir()
    (assets / "dashboard.css").write_text("")
    with pytest.raises(MissingFiles, match="base.html \\(used by login.html\\)"):
        web.check_files()
    (templates / "base.html").write_text("<html></html>")
    web.check_files()


def test_every_template_the_dashboard_renders_exists() -> None:
    names = {path.name for path in web.TEMPLATES.glob("*.html")}
    source = "\n".join(path.read_text() for path in Path(web.__file__).parent.rglob("*.py"))
    rendered = set(re.findall(r"""["']([\w-]+\.html)["']""", source))
    assert rendered and rendered <= names


def test_the_cli_names_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path)
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path / "data"), "--port", "1"],
                                env={"FOOTFALL_GEOIP_PATH": "none"})
    assert result.exit_code == 1
    assert "the script footfall.js not found" in result.output
    assert "Traceback" not in result.output
