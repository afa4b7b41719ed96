"""The collector's routes."""

from __future__ import annotations

from starlette.routing import Route

from collector import endpoints, optout_forget, optout_page
from collector.static_files import static_routes

TRACKING_METHODS = ["GET", "POST", "OPTIONS"]


def routes() -> list[Route]:
    optout_page.check_files()
    return [
        Route("/matomo.php", endpoints.matomo, methods=TRACKING_METHODS),
        Route("/piwik.php", endpoints.matomo, methods=TRACKING_METHODS),
        Route("/api/event", endpoints.plausible_event, methods=["POST", "OPTIONS"]),
        Route("/optout", optout_page.optout, methods=["GET", "POST"]),
        Route("/optout/forget", optout_forget.forget, methods=["POST", "OPTIONS"]),
        Route("/metrics", endpoints.metrics, methods=["GET"]),
        Route("/healthz", endpoints.health, methods=["GET"]),
        *static_routes(),
    ]
