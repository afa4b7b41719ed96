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
from footfall import admin, retention
from footfall import services as services_module
from footfall.settings import Settings

logger = logging.getLogger("footfall")


async def server_error(request: Request, exc: Exception) -> Response:
    # Never a stack trace, and nothing from the request.
    logger.error("unhandled error on %s: %s", request.url.path, type(exc).__name__)
    return PlainTextResponse("internal error\n", status_code=500)


def _accept_user_tokens(built: services_module.Services) -> None:
    """Let a user's API token authorize trusted hits for the sites the user administers."""
    try:
        from dashboard.accounts import Accounts, TrackingTokens
    except ImportError:  # pragma: no cover - a collector without the dashboard package
        return
    built.pipeline.authorize_token = TrackingTokens(Accounts(built.db)).allows


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
        _accept_user_tokens(built)
        await built.writer.start()
        if settings.dashboard:
            from dashboard.startup import on_startup

            on_startup(built)
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
