"""The ASGI application: collector and dashboard routes over one set of services."""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from collector.fast_path import TrackingFastPath
from collector.routes import routes as collector_routes
from footfall import retention
from footfall.app import admin
from footfall.app import services as services_module
from footfall.settings import Settings

logger = logging.getLogger("footfall")


async def server_error(request: Request, exc: Exception) -> Response:
    # Never a stack trace, and nothing from the request.
    logger.error("unhandled error on %s: %s", request.url.path, type(exc).__name__)
    return PlainTextResponse("internal error\n", status_code=500)


def create_app(settings: Settings, services: services_module.Services | None = None) -> Starlette:
    routes: list[BaseRoute] = []
    if settings.collector:
        routes.extend(collector_routes())
    if settings.dashboard:
        from dashboard.routes import routes as dashboard_routes

        routes.extend(dashboard_routes())
    if settings.admin_socket:
        routes.extend(admin.routes())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        built = services if services is not None else services_module.build(settings)
        app.state.services = built
        app.state.collector = built.collector
        app.state.dashboard = built.dashboard
        await built.writer.start()
        if settings.dashboard:
            from dashboard.startup import on_startup

            on_startup(built.dashboard)
        try:
            async with admin.credentials(app, settings), retention.running(
                built.storage, built.sites.list, settings.retention_days
            ):
                yield
        finally:
            await built.writer.stop()
            if services is None:
                built.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={500: server_error})
    return TrackingFastPath(app) if settings.collector else app  # type: ignore[return-value]
