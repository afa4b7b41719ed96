"""The server secret: generated once, kept in the metadata database."""

from __future__ import annotations

import secrets

from footfall.metadata.db import Database


def server_secret(db: Database, configured: str = "") -> str:
    if configured:
        return configured
    row = db.fetchone("SELECT value FROM secrets WHERE name = 'server'")
    if row:
        return row["value"]
    value = secrets.token_hex(32)
    db.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES ('server', ?)", [value])
    row = db.fetchone("SELECT value FROM secrets WHERE name = 'server'")
    assert row is not None
    return row["value"]
