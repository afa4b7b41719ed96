"""Backups: a consistent copy of the events (ClickHouse's ``BACKUP``) and of the metadata (SQLite's online backup).

A backup is a directory::

    footfall-backup.json   what it holds: format, Footfall version, migrations applied, rows per table
    clickhouse/            ClickHouse's own backup of every table of the database
    metadata.sqlite3       sites, users, goals, salts and the server secret

``create`` needs no downtime: each ClickHouse table is copied as of one moment (its parts are immutable),
and SQLite's backup API copies a consistent snapshot while writers go on.  ``restore`` brings both back
into an empty data directory and checks every table's row count against the manifest.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from footfall.metadata.db import Database
from footfall.storage import migrations
from footfall.storage.clickhouse import Storage

MANIFEST = "footfall-backup.json"
FORMAT = 1
CLICKHOUSE_DIR = "clickhouse"
METADATA_FILE = "metadata.sqlite3"
TABLES = (
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' "
    "ORDER BY name"
)


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class Manifest:
    format: int
    version: str
    created_at: str
    migrations: list[int]
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return self.tables.get("events", 0)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        try:
            return cls(int(data["format"]), str(data["version"]), str(data["created_at"]),
                       [int(v) for v in data["migrations"]], {str(k): int(v) for k, v in data["tables"].items()})
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BackupError("the backup's manifest is not one Footfall wrote") from None


def footfall_version() -> str:
    try:
        return package_metadata.version("footfall")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def check_destination(dest: Path) -> Path:
    """``dest`` as an absolute path, if it does not exist yet or is an empty directory."""
    if not dest.is_absolute():
        raise BackupError(f"the destination must be an absolute path, not {dest}")
    if any(ord(c) < 32 for c in str(dest)):
        raise BackupError("the destination's name holds control characters")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty directory; name a new one")
    return dest


def _literal(path: Path) -> str:
    """A ClickHouse string literal (BACKUP and RESTORE take no bound parameters)."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _database(storage: Storage) -> str:
    name = storage.query("SELECT currentDatabase()")[0][0]
    return "`" + name.replace("`", "``") + "`"


def row_counts(storage: Storage) -> dict[str, int]:
    """Rows per table, as merges leave them: a Summing or Aggregating table's background merges fold rows
    together, so those are counted FINAL (what a merge would leave) and compare equal before and after."""
    counts = {}
    for name, engine in storage.query(TABLES):
        final = "" if engine == "MergeTree" else " FINAL"
        counts[name] = int(storage.query(f"SELECT count() FROM `{name}`{final}")[0][0])
    return counts


def create(storage: Storage, db: Database, dest: Path) -> Manifest:
    """Back the events and the metadata up into ``dest`` (new or empty)."""
    if not storage.embedded:
        raise BackupError(
            "footfall backup copies embedded ClickHouse; for a ClickHouse server use its own BACKUP "
            "(or clickhouse-backup) and copy the metadata file"
        )
    dest = check_destination(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with storage.exclusive():  # the counts and the copy see the same data
        tables = row_counts(storage)
        applied = sorted(migrations.applied_versions(storage))
        storage.query(f"BACKUP DATABASE {_database(storage)} TO File({_literal(dest / CLICKHOUSE_DIR)})")
    db.backup_to(dest / METADATA_FILE)
    manifest = Manifest(FORMAT, footfall_version(), datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        applied, tables)
    (dest / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> Manifest:
    try:
        data = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except OSError:
        raise BackupError(f"{source} is not a Footfall backup (no {MANIFEST})") from None
    except ValueError:
        raise BackupError(f"{source / MANIFEST} is not valid JSON") from None
    manifest = Manifest.from_json(data)
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} is not supported (this Footfall reads format {FORMAT})")
    for name in (CLICKHOUSE_DIR, METADATA_FILE):
        if not (source / name).exists():
            raise BackupError(f"the backup is incomplete: {source / name} is missing")
    return manifest


def restore(source: Path, storage: Storage, metadata_file: Path) -> Manifest:
    """Bring the backup in ``source`` back into empty storage and a metadata file that does not exist yet."""
    source = source.resolve()
    manifest = read_manifest(source)
    newer = sorted(set(manifest.migrations) - {m.version for m in migrations.discover()})
    if newer:
        raise BackupError(f"the backup was made by a newer Footfall (migrations {newer} are unknown here); "
                          "upgrade Footfall first")
    if metadata_file.exists():
        raise BackupError(f"{metadata_file} exists: restore into an empty data directory")
    if storage.query(TABLES):
        raise BackupError("the ClickHouse database already has tables: restore into an empty data directory")
    storage.query(f"RESTORE DATABASE {_database(storage)} FROM File({_literal(source / CLICKHOUSE_DIR)})")
    restored = row_counts(storage)
    if restored != manifest.tables:
        raise BackupError(f"the restored tables do not match the backup: {restored} instead of {manifest.tables}")
    metadata_file.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect((source / METADATA_FILE).as_uri() + "?mode=ro", uri=True)
    target = sqlite3.connect(str(metadata_file))
    try:
        origin.backup(target)
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{source / METADATA_FILE} is damaged")
    finally:
        target.close()
        origin.close()
    return manifest
