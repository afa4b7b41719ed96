"""Options and settings loading shared by every ``footfall`` command that touches data."""

from __future__ import annotations

import os
from typing import Any, Callable

import click

from footfall import settings as settings_module
from footfall.settings import Settings, SettingsError


def data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--config``, ``--data-dir`` and ``--dsn``."""
    options = [
        click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
                     help="TOML settings file (default: ./footfall.toml if present, or $FOOTFALL_CONFIG)."),
        click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                     help="Where embedded ClickHouse, the spool and metadata live.  [default: ./footfall-data]"),
        click.option("--dsn", default=None,
                     help="ClickHouse DSN: chdb:///path (embedded) or http(s)://user:pass@host:8123/db."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_settings(config_file: str | None, **flags: Any) -> Settings:
    path = config_file or os.environ.get("FOOTFALL_CONFIG") or "footfall.toml"
    try:
        return settings_module.load(config_file=path, overrides=flags)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def server_url(settings: Settings) -> str:
    """Where users reach this Footfall, for snippets, login links and advice.

    The ``public_url`` setting when there is one; else the URL a running server on this data directory reports
    (the host and port it really serves); else the host and port from the settings.
    """
    from footfall.app.admin import AdminClient, AdminError

    if settings.public_url:
        return settings.base_url
    client = AdminClient.discover(settings.data_dir)
    if client is not None:
        try:
            return client.server_url().rstrip("/") or settings.base_url
        except (AdminError, OSError, ValueError):
            pass
    return settings.base_url
