"""Numbered DDL migrations from ``sql/NNNN_name.sql``.

Applied versions are recorded in the ``schema_migrations`` table.  A released
migration is never edited; a change is a new file.

The files are written for one node.  With a cluster name, each table becomes a
``ReplicatedMergeTree`` table ``<name>_local`` created ``ON CLUSTER``, and a
``Distributed`` table under the original name routes reads and writes to it.
The sharding key comes from the file's ``-- shard by:`` comment.  A materialized view is
created on every node, from the local source table into the local target table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from footfall.paths import SQL_DIR, MissingFiles, require
from footfall.storage.clickhouse import Storage

FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)
ENGINE = re.compile(r"ENGINE\s*=\s*(\w*MergeTree)(\(([^)]*)\))?", re.IGNORECASE)
SHARD_BY = re.compile(r"^--\s*shard by:\s*(.+)$", re.MULTILINE)
ALTER_TABLE = re.compile(r"ALTER TABLE (\w+)", re.IGNORECASE)
CREATE_VIEW = re.compile(r"CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+)", re.IGNORECASE)
FROM_TABLE = re.compile(r"\bFROM (\w+)", re.IGNORECASE)
COLUMN_CHANGE = re.compile(r"\b(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b", re.IGNORECASE)
CODEC = re.compile(r"\s+CODEC\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE)
CODEC_ONLY = re.compile(r"\bMODIFY\s+COLUMN\s+(IF\s+EXISTS\s+)?\w+\s+CODEC\(", re.IGNORECASE)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(directory: Path = SQL_DIR) -> list[Migration]:
    """The migrations in ``directory``, in order; MissingFiles when there is none (never "up to date")."""
    migrations = []
    for path in require(directory, "*.sql", "ClickHouse migrations"):
        match = FILE_PATTERN.match(path.name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), path))
    if not migrations:
        raise MissingFiles(f"ClickHouse migrations not found: no NNNN_name.sql file in {directory}.")
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise ValueError(f"two migrations in {directory} share a version number")
    return migrations


def split_statements(sql: str) -> list[str]:
    """Split a file on semicolons that end a line; comments are kept with their statement."""
    statements, current = [], []
    for line in sql.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            text = "\n".join(current).strip().rstrip(";").strip()
            if _has_code(text):
                statements.append(text)
            current = []
    tail = "\n".join(current).strip()
    if _has_code(tail):
        statements.append(tail)
    return statements


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def for_cluster(statement: str, cluster: str, shard_key: str) -> list[str]:
    """Rewrite a single-node statement into its replicated and distributed form."""
    view = CREATE_VIEW.search(statement)
    if view:
        # Each node's view feeds its own shard: from the local source table to the local target.
        name, target = view.group(1), view.group(2)
        head = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {name} ON CLUSTER {cluster} TO {target}_local"
        body = FROM_TABLE.sub(lambda m: f"FROM {m.group(1)}_local", statement[view.end():])
        return [head + body]
    create = CREATE_TABLE.search(statement)
    if create:
        table = create.group(1)
        local = f"{table}_local"
        engine = ENGINE.search(statement)
        if not engine:
            return [statement.replace(create.group(0), f"{create.group(0)} ON CLUSTER {cluster}", 1)]
        name, args = engine.group(1), engine.group(3)
        replicated_args = f"'/clickhouse/tables/{{shard}}/{{database}}/{local}', '{{replica}}'"
        if args:
            replicated_args += f", {args}"
        replaced = statement[: engine.start()] + f"ENGINE = Replicated{name}({replicated_args})" + statement[engine.end():]
        replaced = replaced.replace(create.group(0), f"CREATE TABLE IF NOT EXISTS {local} ON CLUSTER {cluster}", 1)
        replaced = replaced.replace("non_replicated_deduplication_window", "replicated_deduplication_window")
        distributed = (
            f"CREATE TABLE IF NOT EXISTS {table} ON CLUSTER {cluster} AS {local} "
            f"ENGINE = Distributed({cluster}, currentDatabase(), {local}, {shard_key})"
        )
        return [replaced, distributed]
    alter = ALTER_TABLE.search(statement)
    if alter:
        table = alter.group(1)
        local = statement.replace(alter.group(0), f"ALTER TABLE {table}_local ON CLUSTER {cluster}", 1)
        if not COLUMN_CHANGE.search(statement) or CODEC_ONLY.search(statement):
            # Indexes, TTLs, settings, mutations and codecs live in the data, not in the Distributed table.
            return [local]
        distributed = statement.replace(alter.group(0), f"ALTER TABLE {table} ON CLUSTER {cluster}", 1)
        return [local, CODEC.sub("", distributed)]  # a Distributed table stores nothing to compress
    return [statement]


def render(migration: Migration, cluster: str = "") -> list[str]:
    statements = split_statements(migration.sql)
    if not cluster:
        return statements
    shard = SHARD_BY.search(migration.sql)
    shard_key = shard.group(1).strip() if shard else "rand()"
    rendered: list[str] = []
    for statement in statements:
        rendered.extend(for_cluster(statement, cluster, shard_key))
    return rendered


def ensure_table(storage: Storage) -> None:
    on_cluster = f" ON CLUSTER {storage.cluster}" if storage.cluster else ""
    engine = (
        "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/schema_migrations', '{replica}')"
        if storage.cluster
        else "MergeTree"
    )
    storage.command(
        f"CREATE TABLE IF NOT EXISTS schema_migrations{on_cluster} "
        "(version UInt32, name String, applied_at DateTime DEFAULT now()) "
        f"ENGINE = {engine} ORDER BY version"
    )


def applied_versions(storage: Storage) -> set[int]:
    return {row[0] for row in storage.query("SELECT version FROM schema_migrations")}


def pending(storage: Storage, directory: Path = SQL_DIR) -> list[Migration]:
    ensure_table(storage)
    done = applied_versions(storage)
    return [m for m in discover(directory) if m.version not in done]


def migrate(
    storage: Storage,
    directory: Path = SQL_DIR,
    progress: Callable[[Migration], None] | None = None,
    *,
    before: int | None = None,
) -> list[Migration]:
    """Apply every pending migration in order (only those numbered below ``before``, if given); return what was applied."""
    applied = []
    for migration in pending(storage, directory):
        if before is not None and migration.version >= before:
            break
        if progress:
            progress(migration)
        for statement in render(migration, storage.cluster):
            storage.command(statement)
        storage.insert("schema_migrations", [[migration.version, migration.name]], ["version", "name"])
        applied.append(migration)
    return applied
