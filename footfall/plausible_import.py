"""Reading Plausible CE's CSV export (a ZIP of ``imported_*.csv``) into Footfall's imported_* tables.

Each import gets an id (``footfall.metadata.imports.AggregateImports``) that its rows
carry, so it can be listed and deleted on its own.  The files are streamed in
batches, so a large export does not need to fit in memory.  Rows outside the date
range the file names say are left out, as Plausible's importer leaves them out.
Columns are read by name: unknown ones are ignored (and reported), missing
dimension columns are empty and missing metric columns are 0.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Iterator

from footfall import plausible_format
from footfall.metadata.db import Database
from footfall.metadata.imports import AggregateImport, AggregateImports
from footfall.plausible_format import FormatError
from footfall.storage.clickhouse import Storage

BATCH_ROWS = 50_000
MAX_FILE_BYTES = 4 * 2**30  # uncompressed, per file: refuses a ZIP bomb before reading it
SOURCE = "plausible-csv"


class PlausibleImportError(ValueError):
    """The export cannot be imported; the message says why."""


@dataclass
class ImportReport:
    imported: AggregateImport | None = None
    rows: dict[str, int] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "import": self.imported.to_json() if self.imported else None,
            "rows": self.rows,
            "ignored_files": self.ignored_files,
            "ignored_columns": self.ignored_columns,
        }


def _convert(kind: str, raw: str, column: str, where: str) -> Any:
    raw = raw.strip()
    if kind == "str":
        return raw
    if kind == "date":
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise PlausibleImportError(f"{where}: {column} {raw!r} is not a date") from None
    if raw == "" or raw.lower() == "null" or raw == "\\N":
        return None if kind == "opt" else 0
    try:
        value = int(float(raw)) if "." in raw or "e" in raw.lower() else int(raw)
    except ValueError:
        raise PlausibleImportError(f"{where}: {column} {raw!r} is not a number") from None
    if value < 0:
        raise PlausibleImportError(f"{where}: {column} must not be negative")
    return value


def read_rows(handle: IO[bytes], table: str, name: str, first: date, last: date,
              ignored: list[str]) -> Iterator[list[Any]]:
    """The rows of one CSV, in the table's column order (without site_id and import_id)."""
    columns = plausible_format.TABLES[table]
    reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))
    header = next(reader, None)
    if header is None:
        return
    header = [column.strip() for column in header]
    if "date" not in header:
        raise PlausibleImportError(f"{name}: the header has no date column")
    known = {column for column, _ in columns}
    ignored.extend(column for column in header if column not in known)
    positions = {column: header.index(column) for column, _ in columns if column in header}
    for number, values in enumerate(reader, start=2):
        if not values:
            continue
        where = f"{name} line {number}"
        row = []
        for column, kind in columns:
            index = positions.get(column)
            raw = values[index] if index is not None and index < len(values) else ""
            row.append(_convert(kind, raw, column, where))
        if first <= row[0] <= last:
            yield row


def members(archive: zipfile.ZipFile) -> tuple[list[tuple[zipfile.ZipInfo, str, date, date]], list[str]]:
    found, ignored = [], []
    for info in archive.infolist():
        if info.is_dir():
            continue
        try:
            table, first, last = plausible_format.parse_filename(info.filename)
        except FormatError:
            ignored.append(info.filename)
            continue
        if info.file_size > MAX_FILE_BYTES:
            raise PlausibleImportError(f"{info.filename}: larger than {MAX_FILE_BYTES // 2**30} GiB uncompressed")
        found.append((info, table, first, last))
    if not found:
        raise PlausibleImportError(
            "no imported_*.csv file of Plausible's export in the ZIP" + (f" (found {', '.join(ignored[:5])})" if ignored else "")
        )
    return found, ignored


def import_zip(storage: Storage, db: Database, site_id: int, source: IO[bytes], label: str = "") -> ImportReport:
    """Import an export into ``site_id``; on any error nothing of it stays."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise PlausibleImportError("not a ZIP file (Plausible's export is a ZIP of CSV files)") from None
    registry = AggregateImports(db)
    report = ImportReport()
    with archive:
        found, report.ignored_files = members(archive)
        first_day = min(first for _, _, first, _ in found)
        last_day = max(last for _, _, _, last in found)
        import_id = registry.start(site_id, SOURCE, label or f"Plausible export {first_day} – {last_day}")
        try:
            for info, table, _, _ in found:
                names = ["site_id", "import_id", *(column for column, _ in plausible_format.TABLES[table])]
                ignored: list[str] = []
                batch: list[list[Any]] = []
                number = 0
                with archive.open(info) as handle:
                    for row in read_rows(handle, table, info.filename, first_day, last_day, ignored):
                        batch.append([site_id, import_id, *row])
                        if len(batch) == BATCH_ROWS:
                            _insert(storage, table, batch, names, import_id, number)
                            number += 1
                            report.rows[table] = report.rows.get(table, 0) + len(batch)
                            batch = []
                if batch:
                    _insert(storage, table, batch, names, import_id, number)
                report.rows[table] = report.rows.get(table, 0) + len(batch)
                if ignored:
                    report.ignored_columns[info.filename] = ignored
        except BaseException:
            delete_rows(storage, site_id, import_id)
            registry.remove(import_id)
            raise
    registry.finish(import_id, first_day.isoformat(), last_day.isoformat(), sum(report.rows.values()))
    report.imported = registry.get(site_id, import_id)
    return report


def _insert(storage: Storage, table: str, rows: list[list[Any]], names: list[str], import_id: int, number: int) -> None:
    storage.insert(table, rows, names, dedup_token=f"import:{import_id}:{table}:{number}")


def delete_rows(storage: Storage, site_id: int, import_id: int) -> None:
    for table in plausible_format.TABLES:
        target = f"{table}_local ON CLUSTER {storage.cluster}" if storage.cluster else table
        storage.command(
            f"ALTER TABLE {target} DELETE WHERE site_id = {{site:UInt32}} AND import_id = {{id:UInt64}} "
            "SETTINGS mutations_sync = 1",
            {"site": site_id, "id": import_id},
        )


def delete_import(storage: Storage, db: Database, site_id: int, import_id: int) -> AggregateImport:
    registry = AggregateImports(db)
    found = registry.get(site_id, import_id)
    if found is None:
        raise PlausibleImportError(f"site {site_id} has no import {import_id}")
    delete_rows(storage, site_id, import_id)
    registry.remove(import_id)
    return found
