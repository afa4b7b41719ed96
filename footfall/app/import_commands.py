"""``footfall import logs``: server-log analytics from access logs, without a tracker.

It reads the files here and hands each chunk of lines to the running server's
admin endpoint, or (with the server stopped) runs the same chunk work itself.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from typing import Any, Awaitable, Callable

import click

from collector.access_log import FORMATS
from footfall.app import log_import
from footfall.app.admin import AdminClient, AdminError
from footfall.app.cli_options import data_options, load_settings
from footfall.app.log_import import LogFile, LogImportError, Routing, Tally
from footfall.settings import Settings

Send = Callable[[str, int, list[str], str], Awaitable[Tally]]

SKIP_LABELS = {
    "static": "static files (css, js, images, fonts…)",
    "http-error": "HTTP errors (4xx, 5xx)",
    "redirect": "redirects (3xx but 304)",
    "invalid": "lines not in the log format",
    "no-site": "requests for hosts of no site",
}


@click.group("import")
def import_group() -> None:
    """Import history: web server access logs, Plausible's CSV export."""


@import_group.command("logs")
@data_options
@click.argument("files", nargs=-1, required=True)
@click.option("--site", "site_id", type=int, default=None, help="Record every line for this site id.")
@click.option("--host", "hosts", multiple=True, metavar="HOST=SITE_ID",
              help="Record requests for HOST for a site (repeatable); other hosts go by the sites' domains.")
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto", help="The log format.")
@click.option("--scheme", type=click.Choice(["https", "http"]), default="https",
              help="The scheme of the recorded page URLs.")
def import_logs(config_file: str | None, files: tuple[str, ...], site_id: int | None, hosts: tuple[str, ...],
                fmt: str, scheme: str, **flags: Any) -> None:
    """Import access logs (nginx/Apache combined, common, vhost_combined, Caddy JSON; .gz, .bz2, - for stdin).

    Every line goes through the collector's pipeline, as a live hit would; static files,
    errors and redirects are skipped as Matomo's log importer skips them. A line is imported
    once: running the command again on the same (or a grown, rotated, compressed) log adds
    only what is new.
    """
    settings = load_settings(config_file, **flags)
    try:
        routing = Routing(site_id, log_import.parse_host_map(hosts), scheme)
        ordered = sorted(files, key=log_import.first_time) if len(files) > 1 else list(files)
    except LogImportError as exc:
        raise click.UsageError(str(exc)) from None
    client = AdminClient.discover(settings.data_dir)
    started = time.monotonic()
    try:
        if client is not None:
            total = asyncio.run(_import(ordered, fmt, routing, _through_server(client, routing)))
        else:
            total = import_directly(settings, ordered, fmt, routing)
    except (LogImportError, AdminError) as exc:
        raise click.ClickException(str(exc)) from None
    _summary(total, time.monotonic() - started)


def _through_server(client: AdminClient, routing: Routing) -> Send:
    async def send(key: str, chunk: int, lines: list[str], fmt: str) -> Tally:
        return await asyncio.to_thread(client.import_log_chunk, key, chunk, lines, fmt, routing)

    return send


def import_directly(settings: Settings, files: list[str], fmt: str, routing: Routing) -> Tally:
    """Import with the data opened by this process (no server running)."""
    from footfall.app.ops_commands import _direct_storage
    from footfall.app.services import build

    with _direct_storage(settings) as storage:
        services = build(settings, storage=storage)
        if routing.site_id is not None and services.sites.get(routing.site_id) is None:
            raise LogImportError(f"site {routing.site_id} does not exist (see `footfall site list`)")

        async def send(key: str, chunk: int, lines: list[str], chunk_fmt: str) -> Tally:
            return await log_import.import_chunk(services, key, chunk, lines, chunk_fmt, routing)

        try:
            return asyncio.run(_import(files, fmt, routing, send, in_flight=2))
        finally:
            services.writer.flush_drops()
            if services.geo is not None:
                services.geo.close()
            services.db.close()


async def _import(files: list[str], fmt: str, routing: Routing, send: Send, in_flight: int = 1) -> Tally:
    """Send every chunk of every file, ``in_flight`` at a time (in order: the chunk work keeps their order)."""
    total = Tally()
    progress = Progress(files)
    pending: deque[asyncio.Task[Tally]] = deque()

    async def settle(log: LogFile, keep: int) -> None:
        while len(pending) > keep:
            total.add(await pending.popleft())
            progress.update(log, total)

    try:
        for path in files:
            log = LogFile(path)
            try:
                key = ""
                file_fmt = fmt
                for number, lines in enumerate(log_import.chunks(log.lines())):
                    if number == 0:
                        key = log_import.log_key(lines)
                        if file_fmt == "auto":
                            file_fmt = log_import.detect_format(lines)
                    pending.append(asyncio.create_task(send(key, number, lines, file_fmt)))
                    await settle(log, in_flight - 1)
                await settle(log, 0)
            finally:
                for task in pending:
                    task.cancel()
                progress.file_done(log)
                log.close()
    finally:
        progress.close(total)
    return total


class Progress:
    """A progress bar over the files' bytes (a running count for standard input), with lines per second."""

    def __init__(self, files: list[str]) -> None:
        import os

        self.started = time.monotonic()
        self.known = all(path != "-" for path in files)
        self.total = sum(os.path.getsize(path) for path in files if path != "-") if self.known else 0
        self.finished_bytes = 0
        self.shown = 0
        self.lines = 0
        self.bar = click.progressbar(length=max(self.total, 1), label="Importing", file=sys.stderr,
                                     show_eta=True, item_show_func=self._text) if self.known else None
        if self.bar is not None:
            self.bar.__enter__()

    def _text(self, _: Any = None) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return f"{self.lines:,} lines, {self.lines / elapsed:,.0f} lines/s"

    def update(self, log: LogFile, total: Tally) -> None:
        self.lines = total.lines
        if self.bar is not None:
            position = self.finished_bytes + log.position()
            self.bar.update(max(position - self.shown, 0), self._text())
            self.shown = max(position, self.shown)
        else:
            click.echo(f"\r{self._text()}", nl=False, err=True)

    def file_done(self, log: LogFile) -> None:
        if log.size is not None:
            self.finished_bytes += log.size

    def close(self, total: Tally) -> None:
        self.lines = total.lines
        if self.bar is not None:
            self.bar.update(max(self.total - self.shown, 0), self._text())
            self.bar.__exit__(None, None, None)
        else:
            click.echo(f"\r{self._text()}", err=True)


def _summary(total: Tally, seconds: float) -> None:
    rate = total.lines / seconds if seconds > 0 else 0.0
    click.echo(f"{total.lines:,} lines read in {seconds:.1f} s ({rate:,.0f} lines/s); {total.stored:,} hits stored.")
    if total.already:
        click.echo(f"{total.already:,} lines were imported before and are skipped.")
    for reason, count in sorted(total.skipped.items(), key=lambda item: -item[1]):
        click.echo(f"  {count:>10,}  {SKIP_LABELS.get(reason, 'dropped: ' + reason)}")


@import_group.command("plausible")
@data_options
@click.argument("export_zip", type=click.Path(exists=True, dir_okay=False))
@click.option("--site", "site_id", type=int, required=True, help="The site to import into.")
@click.option("--label", default="", help="A name to recognise the import by.  [default: its date range]")
def import_plausible(config_file: str | None, export_zip: str, site_id: int, label: str, **flags: Any) -> None:
    """Import Plausible CE's CSV export (the ZIP of imported_*.csv files) into a site, as an import of its own."""
    from footfall import plausible_import

    settings = load_settings(config_file, **flags)
    _existing_site(settings, site_id)
    client = AdminClient.discover(settings.data_dir)
    try:
        if client is not None:
            with open(export_zip, "rb") as handle:
                report = client.import_plausible(site_id, handle.read(), label)
        else:
            from footfall.app.ops_commands import _direct_storage
            from footfall.app.services import open_metadata

            db = open_metadata(settings)
            try:
                with _direct_storage(settings) as storage, open(export_zip, "rb") as handle:
                    report = plausible_import.import_zip(storage, db, site_id, handle, label).to_json()
            finally:
                db.close()
    except (plausible_import.PlausibleImportError, AdminError) as exc:
        raise click.ClickException(str(exc)) from None
    imported = report["import"]
    click.echo(f"Import {imported['id']}: {imported['rows_stored']:,} rows, {imported['first_day']} to "
               f"{imported['last_day']}, into site {site_id}.")
    for table, rows in report["rows"].items():
        click.echo(f"  {rows:>10,}  {table}")
    for name in report["ignored_files"]:
        click.echo(f"  ignored file: {name}")
    for name, columns in report["ignored_columns"].items():
        click.echo(f"  ignored columns of {name}: {', '.join(columns)}")


@import_group.command("list")
@data_options
@click.option("--site", "site_id", type=int, required=True, help="The site.")
def import_list(config_file: str | None, site_id: int, **flags: Any) -> None:
    """List a site's imports of aggregates (Plausible exports)."""
    settings = load_settings(config_file, **flags)
    _existing_site(settings, site_id)
    items = _imports(settings, site_id)
    if not items:
        click.echo(f"Site {site_id} has no imports.")
    for item in items:
        click.echo(f"{item['id']:>4}  {item['first_day']} – {item['last_day']}  {item['rows_stored']:>10,} rows  "
                   f"{item['status']:<9} {item['label']}")


@import_group.command("delete")
@data_options
@click.option("--site", "site_id", type=int, required=True, help="The site.")
@click.argument("import_id", type=int)
def import_delete(config_file: str | None, site_id: int, import_id: int, **flags: Any) -> None:
    """Delete one import of a site, with all its rows."""
    from footfall import plausible_import

    settings = load_settings(config_file, **flags)
    _existing_site(settings, site_id)
    client = AdminClient.discover(settings.data_dir)
    try:
        if client is not None:
            client.delete_import(site_id, import_id)
        else:
            from footfall.app.ops_commands import _direct_storage
            from footfall.app.services import open_metadata

            db = open_metadata(settings)
            try:
                with _direct_storage(settings) as storage:
                    plausible_import.delete_import(storage, db, site_id, import_id)
            finally:
                db.close()
    except (plausible_import.PlausibleImportError, AdminError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deleted import {import_id} of site {site_id}.")


def _existing_site(settings: Settings, site_id: int) -> None:
    from footfall.app.ops_commands import _site

    _site(settings, site_id)


def _imports(settings: Settings, site_id: int) -> list[dict[str, Any]]:
    from footfall.app.services import open_metadata
    from footfall.metadata.imports import AggregateImports

    db = open_metadata(settings)  # the metadata file is SQLite: readable while the server runs
    try:
        return [item.to_json() for item in AggregateImports(db).list(site_id)]
    finally:
        db.close()


COMMANDS: list[click.Command] = [import_group]
