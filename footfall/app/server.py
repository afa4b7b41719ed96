"""Running the app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from footfall import http_limits, logs, permissions
from footfall.app.asgi import create_app
from footfall.settings import Settings

logger = logging.getLogger("footfall")


def uvicorn_config(settings: Settings, http: str = "auto") -> uvicorn.Config:
    """``http``: "auto" (httptools when installed), "httptools" or "h11"; each gets the same head limits."""
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,  # it would log client addresses and query strings
        log_config=None,
        lifespan="on",
        server_header=False,
        proxy_headers=False,  # footfall.forwarded reads them, from trusted proxies only
        **http_limits.server_options(settings, http),
        timeout_graceful_shutdown=30,
    )


def run(settings: Settings) -> None:
    config = uvicorn_config(settings)  # builds the app: missing files stop it here, before anything listens
    logs.configure(settings.log_level, settings.log_format)
    permissions.restrict_new_files()
    mode = "embedded ClickHouse at " + str(settings.data_dir) if settings.is_embedded else "ClickHouse server"
    logger.info("starting Footfall on http://%s:%d (%s)", settings.host, settings.port, mode)
    uvicorn.Server(config).run()
