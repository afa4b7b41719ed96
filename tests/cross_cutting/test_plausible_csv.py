"""Plausible's CSV format both ways: export a site, import it into another, the same numbers come back.

Through the running server (the CLI goes through its admin endpoint) and the stats API.
"""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from pathlib import Path

import pytest

from dashboard.accounts import Accounts
from footfall import plausible_import
from footfall.app import log_import
from footfall.plausible_format import FormatError, parse_filename
from tests import log_model
from tests.footfall.app.test_log_import import footfall
from tests.support import LiveServer, free_port, make_settings

FULL = ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration", "views_per_visit"]
PAGE = ["visitors", "visits", "pageviews"]
VISIT = ["visitors", "visits", "bounce_rate", "visit_duration"]  # event metrics do not go with visit dimensions
BREAKDOWNS = [
    ([], FULL), (["time:day"], FULL), (["visit:source"], VISIT), (["visit:entry_page"], VISIT),
    (["visit:exit_page"], VISIT), (["visit:device"], VISIT), (["visit:browser"], VISIT), (["visit:os"], VISIT),
    (["visit:country"], VISIT), (["event:page"], PAGE), (["event:name"], ["visitors", "events"]),
]


def query(client, token: str, domain: str, dimensions: list[str], metrics: list[str], **extra: object) -> dict:
    body = {"site_id": domain, "date_range": "all", "metrics": metrics, "dimensions": dimensions, **extra}
    response = client.post("/api/v2/query", headers={"Authorization": f"Bearer {token}"}, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def numbers(answer: dict) -> dict:
    return {tuple(row["dimensions"]): row["metrics"] for row in answer["results"]}


@pytest.fixture
def server(tmp_path: Path):
    live = LiveServer(make_settings(tmp_path / "data", port=free_port())).start()
    try:
        yield live
    finally:
        live.stop()


def test_export_then_import_into_another_site_gives_the_same_numbers(server: LiveServer, tmp_path: Path) -> None:
    data_dir = server.settings.data_dir
    original = server.add_site("example.com")
    copy = server.add_site("copy.example.com")
    model = log_model.build(visitors=25)
    asyncio.run(log_import.import_chunk(server.services, "model", 0, model.sorted_lines(), "combined",
                                        log_import.Routing(original.id)))
    admin = Accounts(server.services.db).create_user("admin@example.com", "correct horse battery", is_admin=True)
    token = Accounts(server.services.db).create_api_token(admin.id)

    exported = footfall(data_dir, "export", "--site", str(original.id), "--format", "plausible",
                        "-o", str(tmp_path / "export.zip"))
    assert exported.returncode == 0, exported.stderr.decode()
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        names = sorted(archive.namelist())
        assert len(names) == 10 and all(parse_filename(name)[0] in name for name in names)
        visitors_file = next(name for name in names if name.startswith("imported_visitors_"))
        days = list(csv.DictReader(io.StringIO(archive.read(visitors_file).decode())))
    assert sum(int(day["visitors"]) for day in days) == len(model.visitor_days)
    assert sum(int(day["visits"]) for day in days) == model.visits
    assert sum(int(day["pageviews"]) for day in days) == sum(model.pageviews.values())

    imported = footfall(data_dir, "import", "plausible", str(tmp_path / "export.zip"), "--site", str(copy.id))
    assert imported.returncode == 0, imported.stderr.decode()
    assert "Import 1:" in imported.stdout.decode()
    listed = footfall(data_dir, "import", "list", "--site", str(copy.id))
    assert "done" in listed.stdout.decode() and "Plausible export" in listed.stdout.decode()

    with server.client() as client:
        for dimensions, metrics in BREAKDOWNS:
            collected = query(client, token, "example.com", dimensions, metrics)
            both = query(client, token, "copy.example.com", dimensions, metrics, include={"imports": True})
            assert both["meta"]["imports_included"] is True, dimensions
            assert numbers(both) == numbers(collected), dimensions
            assert numbers(collected)  # there is something to compare
        # Not asked for, or not answerable from imported data: only collected data (none for the copy).
        [alone] = query(client, token, "copy.example.com", [], ["visitors"])["results"]
        assert alone["metrics"] == [0]
        filtered = query(client, token, "copy.example.com", [], ["visitors"], include={"imports": True},
                         filters=[["is", "visit:device", ["Desktop"]]])
        assert filtered["meta"]["imports_included"] is False and "imports_warning" in filtered["meta"]
        none = query(client, token, "example.com", [], ["visitors"], include={"imports": True})
        assert none["meta"]["imports_included"] is False

        deleted = footfall(data_dir, "import", "delete", "--site", str(copy.id), "1")
        assert deleted.returncode == 0, deleted.stderr.decode()
        [gone] = query(client, token, "copy.example.com", [], ["visitors"], include={"imports": True})["results"]
        assert gone["metrics"] == [0]
    assert "has no imports" in footfall(data_dir, "import", "list", "--site", str(copy.id)).stdout.decode()
    assert server.services.storage.query("SELECT count() FROM imported_pages WHERE site_id = {s:UInt32}",
                                         {"s": copy.id})[0][0] == 0


def plausible_zip(files: dict[str, str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    buffer.seek(0)
    return buffer


def test_reading_plausibles_files_by_column_name(storage, tmp_path: Path) -> None:
    from footfall.metadata.db import Database
    from footfall.metadata.sites import SiteStore

    db = Database(tmp_path / "meta.sqlite3")
    site = SiteStore(db).add("example.com", ["example.com"])
    export = plausible_zip({
        # Columns in another order, one unknown column, a row outside the range the names give.
        "imported_visitors_20240101_20240131.csv":
            "date,visits,visitors,pageviews,bounces,visit_duration,extra\n"
            "2024-01-01,10,8,30,4,600,x\n2024-01-02,5,5,5,5,0,x\n2024-02-01,99,99,99,0,0,x\n",
        # The short name without the prefix, a missing metric column, GeoNames city ids.
        "locations_20240101_20240131.csv":
            "date,country,region,city,visitors,visits,visit_duration,bounces\n2024-01-01,DE,DE-BE,2950159,3,4,100,1\n",
        "README.txt": "not part of the export",
    })
    report = plausible_import.import_zip(storage, db, site.id, export)
    assert report.rows == {"imported_visitors": 2, "imported_locations": 1}
    assert report.ignored_files == ["README.txt"]
    assert report.ignored_columns == {"imported_visitors_20240101_20240131.csv": ["extra"]}
    assert storage.query("SELECT sum(visitors), sum(visits), sum(pageviews) FROM imported_visitors")[0] == (13, 15, 35)
    assert storage.query("SELECT country, region, city, pageviews FROM imported_locations")[0] == ("DE", "DE-BE",
                                                                                                   2950159, 0)
    for broken, message in (
        ({"imported_visitors_20240101_20240131.csv": "date,visitors\n2024-01-01,many\n"}, "not a number"),
        ({"imported_visitors_20240101_20240131.csv": "visitors\n3\n"}, "no date column"),
        ({"notes.csv": "a,b\n"}, "no imported_"),
    ):
        with pytest.raises(plausible_import.PlausibleImportError, match=message):
            plausible_import.import_zip(storage, db, site.id, plausible_zip(broken))
    with pytest.raises(plausible_import.PlausibleImportError, match="not a ZIP"):
        plausible_import.import_zip(storage, db, site.id, io.BytesIO(b"plain text"))
    # A failed import leaves nothing behind: only the first one is listed, with only its rows.
    assert [item.id for item in plausible_import.AggregateImports(db).list(site.id)] == [1]
    assert storage.query("SELECT count() FROM imported_visitors")[0][0] == 2
    with pytest.raises(FormatError):
        parse_filename("imported_nonsense_20240101_20240131.csv")
    db.close()


def test_download_and_upload_on_the_settings_page(server: LiveServer) -> None:
    from tests.dashboard.web_client import add_user, csrf_of, kpi, login

    original = server.add_site("example.com")
    copy = server.add_site("copy.example.com")
    model = log_model.build(visitors=8, days=2)
    asyncio.run(log_import.import_chunk(server.services, "model", 0, model.sorted_lines(), "combined",
                                        log_import.Routing(original.id)))
    add_user(server, "admin@example.com", admin=True)
    client = login(server, "admin@example.com")
    download = client.get(f"/sites/{original.id}/export/plausible.zip")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]

    settings_page = client.get(f"/sites/{copy.id}/settings")
    assert "No imports." in settings_page.text
    uploaded = client.post(f"/sites/{copy.id}/imports", data={"csrf_token": csrf_of(settings_page.text)},
                           files={"export": ("export.zip", download.content, "application/zip")})
    assert uploaded.status_code == 200 and "Imported " in uploaded.text
    refused = client.post(f"/sites/{copy.id}/imports", data={"csrf_token": csrf_of(uploaded.text)},
                          files={"export": ("notes.txt", b"hello", "text/plain")})
    assert refused.status_code == 422 and "not a ZIP" in refused.text

    period = "?period=custom&from=" + model.days[0].isoformat() + "&to=" + model.days[-1].isoformat()
    with_imports = client.get(f"/sites/{copy.id}{period}").text
    assert "Including imported data" in with_imports
    assert kpi(with_imports, "Visits") == str(model.visits)
    assert kpi(client.get(f"/sites/{original.id}{period}").text, "Visits") == str(model.visits)
    collected_only = client.get(f"/sites/{copy.id}{period}&imports=0").text
    assert kpi(collected_only, "Visits") == "0" and "Include imported data" in collected_only

    [item] = plausible_import.AggregateImports(server.services.db).list(copy.id)
    page = client.get(f"/sites/{copy.id}/settings").text
    assert "export.zip" in page
    deleted = client.post(f"/sites/{copy.id}/imports/{item.id}/delete", data={"csrf_token": csrf_of(page)},
                          follow_redirects=False)
    assert deleted.status_code == 303
    assert "No imports." in client.get(f"/sites/{copy.id}/settings").text
    assert "imported data" not in client.get(f"/sites/{copy.id}{period}").text


def test_cli_with_the_server_stopped(tmp_path: Path) -> None:
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    data_dir = tmp_path / "data"
    db = open_metadata(make_settings(data_dir))
    first, second = (SiteStore(db).add(name, [name]) for name in ("example.com", "example.org"))
    db.close()
    log = tmp_path / "access.log"
    log.write_text("\n".join(log_model.build(visitors=5, days=1).sorted_lines()) + "\n")
    assert footfall(data_dir, "import", "logs", "--site", str(first.id), str(log)).returncode == 0
    target = tmp_path / "out.zip"
    assert footfall(data_dir, "export", "--site", str(first.id), "--format", "plausible").returncode != 0  # no -o
    exported = footfall(data_dir, "export", "--site", str(first.id), "--format", "plausible", "-o", str(target))
    assert exported.returncode == 0, exported.stderr.decode()
    imported = footfall(data_dir, "import", "plausible", str(target), "--site", str(second.id), "--label", "old")
    assert imported.returncode == 0, imported.stderr.decode()
    assert "imported_visitors" in imported.stdout.decode()
    assert " old" in footfall(data_dir, "import", "list", "--site", str(second.id)).stdout.decode()
    missing = footfall(data_dir, "import", "delete", "--site", str(second.id), "99")
    assert missing.returncode != 0 and b"no import 99" in missing.stderr
