"""Running the app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from footfall import logs
from footfall.app.asgi import create_app
from footfall.settings import Settings

logger = logging.getLogger("footfall")


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,  # it would log client addresses and query strings
        log_config=None,
        lifespan="on",
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=30,
    )


def run(settings: Settings) -> None:
    logs.configure(settings.log_level, settings.log_format)
    mode = "embedded ClickHouse at " + str(settings.data_dir) if settings.is_embedded else "ClickHouse server"
    logger.info("starting Footfall on http://%s:%d (%s)", settings.host, settings.port, mode)
    uvicorn.Server(uvicorn_config(settings)).run()
