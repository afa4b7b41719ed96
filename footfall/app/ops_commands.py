"""Operations commands: ``forget``, ``export``, ``retention``, ``backup`` and ``restore``.

Each works on a stopped installation by opening the data directly, and on a
running one through the server's local admin endpoint (embedded ClickHouse
allows one process per data directory).
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import click

from footfall import backup as backup_module
from footfall import deletion, export
from footfall.app.admin import AdminClient, AdminError
from footfall.app.cli_options import data_options, load_settings
from footfall.settings import Settings
from footfall.storage.clickhouse import Storage

PROGRESS_STEP = 1000


def _settings(config_file: str | None, flags: dict[str, Any]) -> Settings:
    return load_settings(config_file, **flags)


@contextlib.contextmanager
def _direct_storage(settings: Settings) -> Iterator[Storage]:
    """Storage opened by this process; hits a crashed server left in the spool are stored first."""
    from footfall.app.services import open_storage
    from footfall.storage.clickhouse import DataDirLocked, StorageUnavailable

    try:
        storage = open_storage(settings)
    except DataDirLocked as exc:
        raise click.ClickException(
            f"{exc}, and its admin endpoint did not answer. Check that the server is healthy "
            f"(and that {settings.data_dir / 'admin.url'} exists), or stop it and retry."
        ) from None
    except StorageUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if settings.is_embedded:
            _store_spool(settings, storage)
        yield storage
    finally:
        storage.close()


def _store_spool(settings: Settings, storage: Storage) -> None:
    from collector.metrics import CollectorMetrics
    from collector.writer import Writer

    if not settings.spool_path.exists():
        return
    writer = Writer(settings, storage, CollectorMetrics())
    try:
        if writer.spool.sealed() and not writer.flush_once():
            raise click.ClickException("hits left in the spool could not be stored; is ClickHouse reachable?")
    finally:
        writer.spool.close()


def _site(settings: Settings, site_id: int):
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    db = open_metadata(settings)
    try:
        site = SiteStore(db).get(site_id)
    finally:
        db.close()
    if site is None:
        raise click.ClickException(f"site {site_id} does not exist (see `footfall site list`)")
    return site


def _secret(settings: Settings) -> bytes:
    from footfall.app.services import open_metadata
    from footfall.metadata.secrets_store import server_secret

    db = open_metadata(settings)
    try:
        return server_secret(db, settings.secret_key).encode()
    finally:
        db.close()


@click.command()
@data_options
@click.option("--site", "site_id", type=int, required=True, help="The site id.")
@click.option("--visitor-id", type=str, default=None, help="The stored 64-bit visitor ID, as the dashboard and exports show it.")
@click.option("--user-id", default=None, help="The user ID (Matomo `uid`) the site sent; it is hashed as the collector does.")
@click.option("--tracker-id", default=None, help="The Matomo `_id` cookie value (cookie-mode sites), 16 hex characters.")
def forget(config_file: str | None, site_id: int, visitor_id: str | None, user_id: str | None,
           tracker_id: str | None, **flags: Any) -> None:
    """Delete every event of one pseudonymous visitor of a site."""
    settings = _settings(config_file, flags)
    try:
        parsed_id = int(visitor_id) if visitor_id is not None else None
    except ValueError:
        raise click.BadParameter("must be a whole number", param_hint="--visitor-id") from None
    try:
        visitor = deletion.Visitor(site_id, parsed_id, tracker_id or "", user_id or "")
        visitor.check()
    except deletion.ForgetError as exc:
        raise click.UsageError(str(exc)) from None
    _site(settings, site_id)
    client = AdminClient.discover(settings.data_dir)
    if client is not None:
        try:
            done = client.forget(visitor)
        except AdminError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        from footfall.app.services import open_metadata
        from footfall.metadata.privacy_log import PrivacyLog

        db = open_metadata(settings)
        try:
            with _direct_storage(settings) as storage:
                done = deletion.forget(storage, _secret(settings), visitor, PrivacyLog(db))
        finally:
            db.close()
    if done.deleted:
        click.echo(f"Deleted {done.deleted} event(s) of site {site_id}.")
    else:
        click.echo(f"No events of that visitor in site {site_id}; nothing was deleted.")


@click.command("export")
@data_options
@click.option("--site", "site_id", type=int, required=True, help="The site id.")
@click.option("--from", "date_from", default=None, help="First day, YYYY-MM-DD in the site's time zone.")
@click.option("--to", "date_to", default=None, help="Last day (included), YYYY-MM-DD in the site's time zone.")
@click.option("--format", "fmt", type=click.Choice([*export.FORMATS, "plausible"]), default="csv",
              help="Output format; plausible: aggregates as Plausible CE's CSV export (a ZIP), needs --output.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file.  [default: standard output]")
def export_command(config_file: str | None, site_id: int, date_from: str | None, date_to: str | None,
                   fmt: str, output: str | None, **flags: Any) -> None:
    """Export a site's raw (anonymized) events as CSV or JSON lines, or its aggregates in Plausible's format."""
    settings = _settings(config_file, flags)
    site = _site(settings, site_id)
    try:
        first, last = export.parse_day(date_from, "--from"), export.parse_day(date_to, "--to")
        span = export.window(site.timezone, first, last)
    except export.ExportError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "plausible":
        _export_plausible(settings, site, first, last, output)
        return
    with contextlib.ExitStack() as stack:
        client = AdminClient.discover(settings.data_dir)
        if client is not None:
            try:
                total, records = stack.enter_context(client.export(site_id, date_from, date_to))
            except AdminError as exc:
                raise click.ClickException(str(exc)) from None
        else:
            storage = stack.enter_context(_direct_storage(settings))
            total, records = export.count(storage, site_id, span), export.rows(storage, site_id, span)
        target = stack.enter_context(open(output, "w", encoding="utf-8", newline="")) if output else sys.stdout
        bar = stack.enter_context(
            click.progressbar(length=total, label=f"Exporting {total} events", file=sys.stderr, show_pos=True)
        )
        for line in export.lines(_counted(records, bar), fmt):
            target.write(line)
        target.flush()
    if output:
        click.echo(f"Wrote {total} event(s) to {output}.", err=True)


def _export_plausible(settings: Settings, site: Any, first: Any, last: Any, output: str | None) -> None:
    if not output:
        raise click.UsageError("--format plausible writes a ZIP: name it with --output FILE.zip")
    client = AdminClient.discover(settings.data_dir)
    if client is not None:
        try:
            data = client.export_plausible(site.id, first and first.isoformat(), last and last.isoformat())
        except AdminError as exc:
            raise click.ClickException(str(exc)) from None
        with open(output, "wb") as target:
            target.write(data)
        click.echo(f"Wrote Plausible's CSV export of site {site.id} to {output}.", err=True)
        return
    from dashboard import plausible_export

    with _direct_storage(settings) as storage, open(output, "wb") as target:
        counts = plausible_export.write_zip(storage, site, target, first=first, last=last,
                                            visit_timeout_minutes=settings.visit_timeout_minutes)
    click.echo(f"Wrote Plausible's CSV export of site {site.id} ({sum(counts.values())} rows in "
               f"{len(counts)} files) to {output}.", err=True)


def _counted(records: Iterator[dict[str, Any]], bar: Any) -> Iterator[dict[str, Any]]:
    pending = 0
    for record in records:
        yield record
        pending += 1
        if pending == PROGRESS_STEP:
            bar.update(pending)
            pending = 0
    bar.update(pending)


@click.command()
@data_options
@click.option("--apply", is_flag=True, help="Delete rows older than the retention now (the server also does it hourly).")
def retention(config_file: str | None, apply: bool, **flags: Any) -> None:
    """Show what each site's retention deletes and when; with --apply, delete older rows now."""
    from footfall import retention as retention_module
    from footfall.app.services import open_metadata
    from footfall.metadata.privacy_log import PrivacyLog
    from footfall.metadata.sites import SiteStore

    settings = _settings(config_file, flags)
    db = open_metadata(settings)
    try:
        sites = SiteStore(db).list()
        global_days = settings.retention_days
        tables = ", ".join(table.name for table in retention_module.VISITOR_TABLES)
        click.echo(
            f"Global retention: {f'{global_days} days' if global_days else 'forever'} (settings.retention_days), "
            f"on {tables}"
        )
        client = AdminClient.discover(settings.data_dir)
        if client is not None:
            try:
                found = client.retention_expiries()
                deleted = client.enforce_retention() if apply else {}
            except AdminError as exc:
                raise click.ClickException(str(exc)) from None
        else:
            with _direct_storage(settings) as storage:
                found = retention_module.expiries(storage, sites, global_days)
                deleted = retention_module.enforce(storage, sites, global_days, PrivacyLog(db)) if apply else {}
    finally:
        db.close()
    names = {site.id: site.name for site in sites}
    for expiry in found:
        click.echo(f"{expiry.site_id:>4}  {names.get(expiry.site_id, ''):<30} {_expiry_text(expiry)}")
    if apply:
        total = sum(deleted.values())
        click.echo(f"Deleted {total} old row(s)" + (f" from {len(deleted)} site(s)." if total else "."))


def _expiry_text(expiry: Any) -> str:
    if not expiry.days:
        return "kept forever"
    text = f"{expiry.days} days: rows before {expiry.cutoff:%Y-%m-%d %H:%M} UTC are deleted"
    if expiry.oldest is None:
        return text + "; no data yet"
    return (
        f"{text}; the oldest row ({expiry.oldest:%Y-%m-%d}) goes on {expiry.expires_next:%Y-%m-%d}, "
        f"{expiry.next_30_days} row(s) within 30 days"
    )


@click.command()
@data_options
@click.argument("dest", type=click.Path(file_okay=False))
def backup(config_file: str | None, dest: str, **flags: Any) -> None:
    """Copy the events and the metadata into DEST (a new directory), consistently, even while serving."""
    settings = _settings(config_file, flags)
    try:
        target = backup_module.check_destination(Path(dest).absolute())
    except backup_module.BackupError as exc:
        raise click.UsageError(str(exc)) from None
    started = time.monotonic()
    client = AdminClient.discover(settings.data_dir)
    try:
        if client is not None:  # the running server copies its own data, after storing its spool
            manifest = client.backup(target)
        else:
            from footfall.app.services import open_metadata

            with _direct_storage(settings) as storage:
                db = open_metadata(settings)
                try:
                    manifest = backup_module.create(storage, db, target)
                finally:
                    db.close()
    except (AdminError, backup_module.BackupError) as exc:
        raise click.ClickException(str(exc)) from None
    others = sum(rows for name, rows in manifest.tables.items() if name != "events")
    click.echo(f"Backed up {manifest.events} event(s), {others} other row(s) in {len(manifest.tables)} table(s) "
               f"and the metadata to {target} in {time.monotonic() - started:.1f} s.")


@click.command()
@data_options
@click.argument("source", type=click.Path(exists=True, file_okay=False))
def restore(config_file: str | None, source: str, **flags: Any) -> None:
    """Bring the backup in SOURCE back into an empty data directory, then apply newer migrations."""
    from footfall.storage import migrations

    settings = _settings(config_file, flags)
    if not settings.is_embedded:
        raise click.ClickException("footfall restore fills embedded ClickHouse; for a ClickHouse server use its "
                                   "RESTORE and copy metadata.sqlite3 into place")
    spool = settings.spool_path
    if settings.metadata_file.exists() or (spool.is_dir() and any(spool.iterdir())):
        raise click.ClickException(f"{settings.data_dir} is not empty: restore into a new data directory "
                                   "(--data-dir), then point `footfall serve` at it")
    try:
        backup_module.read_manifest(Path(source))
    except backup_module.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    from footfall.app.services import open_metadata, open_storage
    from footfall.storage.clickhouse import DataDirLocked

    started = time.monotonic()
    try:
        storage = open_storage(settings, migrate=False)
    except DataDirLocked as exc:
        raise click.ClickException(f"{exc}: restore into a data directory no server uses") from None
    try:
        manifest = backup_module.restore(Path(source), storage, settings.metadata_file)
        applied = migrations.migrate(storage)  # a backup from an older version gets this version's schema
    except backup_module.BackupError as exc:
        raise click.ClickException(f"{exc}. Remove {settings.data_dir} before trying again.") from None
    finally:
        storage.close()
    open_metadata(settings).close()  # and this version's metadata tables
    upgraded = f", then applied {len(applied)} newer migration(s)" if applied else ""
    click.echo(f"Restored {manifest.events} event(s) and the metadata of {manifest.created_at} into "
               f"{settings.data_dir} in {time.monotonic() - started:.1f} s{upgraded}.")


@click.command()
@data_options
def archive(config_file: str | None, **flags: Any) -> None:
    """Archive every closed day, month and standard range of every site now (the server also does it every few
    minutes): dashboards over archived days read them instead of the events."""
    from dashboard.stats import archiver
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    settings = _settings(config_file, flags)
    client = AdminClient.discover(settings.data_dir)
    if client is not None:
        try:
            rounds = client.archive()
        except AdminError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        db = open_metadata(settings)
        try:
            sites = SiteStore(db).list()
        finally:
            db.close()
        with _direct_storage(settings) as storage:
            done = archiver.refresh_sites(storage, sites, timeout_minutes=settings.visit_timeout_minutes)
            rounds = {site_id: archiver.round_to_json(each) for site_id, each in done.items()}
    for site_id, done in sorted(rounds.items()):
        built = ", ".join(f"{count} {unit}{'s' if count != 1 else ''}" for unit, count in done["built"].items())
        click.echo(f"site {site_id}: built {built} in {done['seconds']:.1f} s")


COMMANDS: list[click.Command] = [forget, export_command, retention, backup, restore, archive]
