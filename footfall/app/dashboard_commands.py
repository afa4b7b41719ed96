"""CLI commands that belong to the dashboard: users, API tokens and demo data."""

from __future__ import annotations

from typing import Any

import click

from footfall.app.cli_options import data_options, load_settings, server_url


def _accounts(settings: Any):
    from dashboard.accounts import Accounts
    from footfall.app.services import open_metadata

    return Accounts(open_metadata(settings))


@click.group()
def user() -> None:
    """Dashboard users."""


@user.command("add")
@data_options
@click.option("--email", required=True, help="The user's e-mail address (their login).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters; asked for when not given.")
@click.option("--admin", is_flag=True, help="May see and manage every site and add sites.")
@click.option("--site", "site_ids", type=int, multiple=True, help="Give read access to this site id (repeatable).")
def user_add(config_file: str | None, email: str, password: str, admin: bool, site_ids: tuple[int, ...],
             **flags: Any) -> None:
    """Add a dashboard user (metadata only: works while `footfall serve` runs)."""
    from dashboard.accounts import AccountError
    from footfall.metadata.sites import SiteStore

    settings = load_settings(config_file, **flags)
    accounts = _accounts(settings)
    sites = SiteStore(accounts.db)
    for site_id in site_ids:
        if sites.get(site_id) is None:
            raise click.ClickException(f"site: there is no site {site_id} (see `footfall site list`)")
    try:
        created = accounts.create_user(email, password, is_admin=admin)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    for site_id in site_ids:
        accounts.grant(created.id, site_id, "viewer")
    role = "administrator" if admin else ("viewer of site " + ", ".join(map(str, site_ids)) if site_ids else "user without sites")
    click.echo(f"User {created.email} added ({role}). Log in at {server_url(settings)}/login")


@user.command("list")
@data_options
def user_list(config_file: str | None, **flags: Any) -> None:
    """List dashboard users."""
    accounts = _accounts(load_settings(config_file, **flags))
    users = accounts.list_users()
    if not users:
        click.echo("No users yet. Add one with: footfall user add --email you@example.com --admin")
    for item in users:
        click.echo(f"{item.id:>4}  {item.email:<40} {'admin' if item.is_admin else 'viewer'}")


@click.group()
def token() -> None:
    """API tokens for the stats API."""


@token.command("create")
@data_options
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--name", default="CLI", help="A name to recognise the token by.")
def token_create(config_file: str | None, email: str, name: str, **flags: Any) -> None:
    """Create an API token and print it (it is shown only once)."""
    accounts = _accounts(load_settings(config_file, **flags))
    match = next((u for u in accounts.list_users() if u.email.lower() == email.strip().lower()), None)
    if match is None:
        raise click.ClickException(f"email: no user {email}")
    click.echo(accounts.create_api_token(match.id, name))


@click.command()
@data_options
@click.option("--days", default=60, show_default=True, help="Days of history to generate.")
@click.option("--visits", default=6000, show_default=True, help="About how many visits to generate.")
@click.option("--email", default="demo@example.com", show_default=True, help="The demo administrator's login.")
@click.option("--password", default=None, help="The demo administrator's password.  [default: a random one, printed once]")
@click.option("--force", is_flag=True, help="Add the demo to an instance that has other sites.")
def demo(config_file: str | None, days: int, visits: int, email: str, password: str | None, force: bool,
         **flags: Any) -> None:
    """Load realistic demo data into a demo site, through the collector pipeline.

    While `footfall serve` runs on the data directory, the data goes through the server.
    """
    from footfall.app import demo as demo_module
    from footfall.app.admin import AdminClient, AdminError
    settings = load_settings(config_file, **flags)
    options = {"days": days, "visits": visits, "email": email, "password": password or "", "force": force,
               "url": server_url(settings)}
    client = AdminClient.discover(settings.data_dir)
    try:
        if client is not None:
            click.echo(f"Loading the demo through the server at {options['url']}")
            result = client.demo(options, progress=click.echo)
        else:
            result = demo_module.load_direct(settings, progress=click.echo, **options)
    except (demo_module.DemoError, AdminError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.summary())


COMMANDS: list[click.Command] = [user, token, demo]
