"""The ASGI application: collector and dashboard routes over one set of services."""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Route

from collector.fast_path import TrackingFastPath
from collector.routes import routes as collector_routes
from footfall import periodic, retention
from footfall.app import admin
from footfall.app import services as services_module
from footfall.forwarded import public_base_url
from footfall.metadata.privacy_log import PrivacyLog
from footfall.security_headers import SecurityHeaders
from footfall.settings import Settings
from footfall.storage import migrations

logger = logging.getLogger("footfall")


async def server_error(request: Request, exc: Exception) -> Response:
    # Never a stack trace, and nothing from the request.
    logger.error("unhandled error on %s: %s", request.url.path, type(exc).__name__)
    return PlainTextResponse("internal error\n", status_code=500)


async def not_found(request: Request, exc: Exception) -> Response:
    """404, or a redirect to the same path with(out) its trailing slash when that one exists.

    Starlette's own slash redirect writes the Host header into ``Location``;
    this one uses the public URL (see ``footfall.forwarded``).
    """
    path = request.url.path
    if path != "/" and request.method in ("GET", "HEAD"):
        other = path[:-1] if path.endswith("/") else path + "/"
        scope = {**request.scope, "path": other}
        routes = [route for route in request.app.router.routes if isinstance(route, Route)]  # not mounts
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            settings = request.app.state.services.settings
            target = public_base_url(request, settings).rstrip("/") + other
            if request.url.query:
                target += "?" + request.url.query
            return RedirectResponse(target, status_code=307)
    return PlainTextResponse("not found\n", status_code=404)


# One archiving round stops after this long; the next starts a second later while days remain.
ARCHIVE_BUDGET_SECONDS = 30.0


def archiving(built: services_module.Services, settings: Settings) -> contextlib.AbstractAsyncContextManager[None]:
    """The archiver's rounds while the server runs (``dashboard.stats.archiver``), when the dashboard is on."""
    if not settings.dashboard or not settings.archive_interval_seconds:
        return contextlib.nullcontext()
    from dashboard.stats import archiver

    def round_() -> bool:
        rounds = archiver.refresh_sites(built.storage, built.sites.list(), timeout_minutes=settings.visit_timeout_minutes,
                                        budget_seconds=ARCHIVE_BUDGET_SECONDS)
        return any(done.pending_days for done in rounds.values())

    return periodic.running("archive", round_, settings.archive_interval_seconds)


def create_app(settings: Settings, services: services_module.Services | None = None) -> Starlette:
    migrations.discover()  # no migration files: an incomplete installation stops here, before serving
    routes: list[BaseRoute] = []
    if settings.collector:
        routes.extend(collector_routes())
    if settings.dashboard:
        from dashboard.routes import routes as dashboard_routes

        routes.extend(dashboard_routes())

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
            async with admin.serving(built, settings), retention.running(
                built.storage, built.sites.list, settings.retention_days, log=PrivacyLog(built.db)
            ), archiving(built, settings):
                yield
        finally:
            await built.writer.stop()
            if services is None:
                built.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 500: server_error})
    app.router.redirect_slashes = False  # not_found redirects, without trusting the Host header
    inner = TrackingFastPath(app) if settings.collector else app
    return SecurityHeaders(inner, settings)  # type: ignore[return-value]
