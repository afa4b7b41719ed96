"""CLI commands that belong to the dashboard (users, tokens)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
