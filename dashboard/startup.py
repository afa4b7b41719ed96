"""What the dashboard does when the server starts."""

from __future__ import annotations

import logging
import sys

from dashboard.state import DashboardState

logger = logging.getLogger("footfall.dashboard")

FIRST_ADMIN_HINT = "footfall user add --email you@example.com --admin"


def on_startup(services: DashboardState) -> None:
    """Say how to create the first admin when there is none."""
    if services.accounts.count_users():
        return
    data_dir = services.settings.data_dir
    command = FIRST_ADMIN_HINT + ("" if str(data_dir) == "footfall-data" else f" --data-dir {data_dir}")
    logger.warning("no dashboard users yet; create the first admin with: %s", command)
    print(
        "\n  Footfall has no users yet. Create the first administrator (it asks for a password):\n\n"
        f"      {command}\n\n  then log in at {services.settings.base_url}/login\n",
        file=sys.stderr,
        flush=True,
    )
