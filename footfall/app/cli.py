"""The ``footfall`` command: it gathers options and hands them to the settings and services."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from footfall import settings as settings_module
from footfall.app.cli_options import data_options, load_settings, server_url
from footfall.paths import MissingFiles
from footfall.settings import Settings


class FootfallGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MissingFiles as exc:  # an incomplete installation: say what is missing, no stack trace
            raise click.ClickException(str(exc)) from None


@click.group(cls=FootfallGroup, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="footfall")
def main() -> None:
    """Footfall: self-hosted, privacy-friendly web analytics."""


@main.command()
@data_options
@click.option("--host", default=None, help="Address to listen on.  [default: 127.0.0.1]")
@click.option("--port", default=None, help="Port to listen on.  [default: 8000]")
@click.option("--collector-only", is_flag=True, help="Serve only the tracking endpoints and scripts.")
@click.option("--dashboard-only", is_flag=True, help="Serve only the dashboard and stats API.")
@click.option("--geoip-path", default=None, help="A .mmdb file (GeoLite2 / DB-IP); 'bundled' or 'none'.")
@click.option("--log-level", type=click.Choice(settings_module.LOG_LEVELS), default=None)
@click.option("--log-format", type=click.Choice(settings_module.LOG_FORMATS), default=None)
def serve(config_file: str | None, collector_only: bool, dashboard_only: bool, **flags: Any) -> None:
    """Run the collector and the dashboard (applies migrations on start)."""
    if collector_only and dashboard_only:
        raise click.UsageError("--collector-only and --dashboard-only exclude each other")
    if collector_only:
        flags["dashboard"] = False
    if dashboard_only:
        flags["collector"] = False
    settings = load_settings(config_file, **flags)
    from footfall.app.server import StartupError, run

    try:
        report = run(settings)
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report, err=True)


@main.command()
@data_options
@click.option("--cluster", default=None, help="Create ReplicatedMergeTree + Distributed tables ON CLUSTER NAME.")
@click.option("--print-sql", is_flag=True, help="Print the statements instead of running them.")
def migrate(config_file: str | None, print_sql: bool, **flags: Any) -> None:
    """Apply pending ClickHouse migrations from sql/."""
    settings = load_settings(config_file, **flags)
    from footfall.storage import migrations

    if print_sql:
        for migration in migrations.discover():
            click.echo(f"-- {migration.path.name}")
            for statement in migrations.render(migration, settings.cluster):
                click.echo(statement + ";\n")
        return
    storage = _open_storage(settings, migrate=False)
    with click.progressbar(length=len(migrations.pending(storage)), label="Migrating", show_pos=True) as bar:
        applied = migrations.migrate(storage, progress=lambda m: bar.update(1))
    storage.close()
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "The schema is up to date.")


def _open_storage(settings: Settings, migrate: bool = True):
    from footfall.app.services import open_storage
    from footfall.storage.clickhouse import DataDirLocked, StorageUnavailable

    try:
        return open_storage(settings, migrate=migrate)
    except DataDirLocked as exc:
        raise click.ClickException(
            f"{exc}. Embedded ClickHouse allows one process per data directory: stop `footfall serve` "
            "first (it applies migrations itself on start)."
        ) from None
    except StorageUnavailable as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def site() -> None:
    """Add and list tracked sites."""


@site.command("add")
@data_options
@click.option("--domain", "domains", multiple=True, required=True, help="A domain of the site (repeatable).")
@click.option("--name", default=None, help="Display name.  [default: the first domain]")
@click.option("--timezone", default="UTC", help="Reports are in this time zone.")
@click.option("--collector-url", default=None,
              help="Base URL of the collector for the snippet.  [default: public_url, else the server's host and port]")
def site_add(config_file: str | None, domains: tuple[str, ...], name: str | None, timezone: str,
             collector_url: str | None, **flags: Any) -> None:
    """Add a site; print its id, tracking snippet and token_auth."""
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteError, SiteStore
    from footfall.snippets import opt_out_snippet, tracking_snippet

    settings = load_settings(config_file, **flags)
    store = SiteStore(open_metadata(settings))
    try:
        created = store.add(name or "", list(domains), timezone=timezone)
    except SiteError as exc:
        raise click.ClickException(str(exc)) from None
    base = collector_url or server_url(settings) + "/"
    click.echo(f"Site {created.id} added: {created.name} ({', '.join(created.domains)})")
    click.echo(f"token_auth (for server-side trackers, keep it secret): {created.token_auth}\n")
    click.echo("Tracking snippet, before </head> on every page:\n")
    click.echo(tracking_snippet(base, created.id))
    click.echo("\nOpt-out, on your privacy page:\n")
    click.echo(opt_out_snippet(base))


@site.command("list")
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def site_list(config_file: str | None, as_json: bool, **flags: Any) -> None:
    """List sites."""
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    settings = load_settings(config_file, **flags)
    sites = SiteStore(open_metadata(settings)).list()
    if as_json:
        click.echo(json.dumps([{"id": s.id, "name": s.name, "domains": list(s.domains), "timezone": s.timezone}
                               for s in sites], indent=2))
        return
    if not sites:
        click.echo("No sites yet. Add one with: footfall site add --domain example.com")
    for s in sites:
        click.echo(f"{s.id:>4}  {s.name:<30} {', '.join(s.domains):<40} {s.timezone}")


@site.command("check")
@data_options
@click.argument("site_id", type=int)
def site_check(config_file: str | None, site_id: int, **flags: Any) -> None:
    """Say whether a site records hits, and why its hits were refused lately, with the fix."""
    from dashboard import onboarding
    from footfall.app.admin import AdminClient, AdminError
    from footfall.app.ops_commands import _direct_storage, _site
    from footfall.app.services import open_metadata
    from footfall.metadata.hosts_seen import HostsSeen

    settings = load_settings(config_file, **flags)
    found = _site(settings, site_id)
    client = AdminClient.discover(settings.data_dir)
    if client is not None:
        try:
            state = client.site_check(site_id)
        except AdminError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        db = open_metadata(settings)
        try:
            hosts = HostsSeen(db).list(site_id)
        finally:
            db.close()
        with _direct_storage(settings) as storage:
            state = onboarding.check(storage, found, hosts)
    click.echo(onboarding.text(found, state))


@site.command("delete")
@data_options
@click.argument("site_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def site_delete(config_file: str | None, site_id: int, yes: bool, **flags: Any) -> None:
    """Delete a site and every event recorded for it."""
    from footfall import deletion
    from footfall.app.admin import AdminClient, AdminError
    from footfall.app.ops_commands import _direct_storage, _site
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    settings = load_settings(config_file, **flags)
    found = _site(settings, site_id)
    if not yes:
        click.confirm(f"Delete site {site_id} ({found.name}, {', '.join(found.domains)}) and all its events?",
                      abort=True)
    client = AdminClient.discover(settings.data_dir)
    if client is not None:
        try:
            deleted = client.delete_site(site_id)
        except AdminError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        db = open_metadata(settings)
        try:
            with _direct_storage(settings) as storage:
                deleted = deletion.delete_site(storage, SiteStore(db), site_id)
        finally:
            db.close()
    click.echo(f"Deleted site {site_id} ({found.name}) and its {deleted:,} event(s).")


@site.command("domains")
@data_options
@click.argument("site_id", type=int)
@click.option("--add", "added", multiple=True, help="Add this domain (repeatable).")
@click.option("--remove", "removed", multiple=True, help="Remove this domain (repeatable).")
def site_domains(config_file: str | None, site_id: int, added: tuple[str, ...], removed: tuple[str, ...],
                 **flags: Any) -> None:
    """Show, add or remove a site's domains (metadata only: works while `footfall serve` runs)."""
    from footfall.app.services import open_metadata
    from footfall.metadata.hosts_seen import HostsSeen
    from footfall.metadata.sites import SiteError, SiteStore, normalize_domain

    settings = load_settings(config_file, **flags)
    db = open_metadata(settings)
    try:
        store = SiteStore(db)
        found = store.get(site_id)
        if found is None:
            raise click.ClickException(f"site {site_id} does not exist (see `footfall site list`)")
        try:
            gone = {normalize_domain(domain) for domain in removed}
            domains = [d for d in found.domains if d not in gone] + [normalize_domain(d) for d in added]
            updated = store.update(site_id, domains=domains) if added or removed else found
        except SiteError as exc:
            raise click.ClickException(str(exc)) from None
        for domain in added:
            HostsSeen(db).forget(site_id, normalize_domain(domain))
    finally:
        db.close()
    click.echo(f"Site {site_id} ({updated.name}) domains: {', '.join(updated.domains)}")


def register(command: click.Command) -> None:
    """Let other packages (the dashboard) add their commands."""
    main.add_command(command)


def _load_plugins() -> None:
    from footfall.app.import_commands import COMMANDS as import_commands  # import logs
    from footfall.app.ops_commands import COMMANDS as ops_commands  # forget, export, retention

    for command in [*ops_commands, *import_commands]:
        register(command)
    from footfall.app.dashboard_commands import COMMANDS as dashboard_commands  # user, token, demo

    for command in dashboard_commands:
        register(command)


_load_plugins()

if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
