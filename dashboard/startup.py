"""What the dashboard does when the server starts."""

from __future__ import annotations

import logging

from footfall.services import Services

logger = logging.getLogger("footfall.dashboard")


def on_startup(services: Services) -> None:
    """Say how to create the first admin when there is none."""
