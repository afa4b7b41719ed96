"""Tracking hits skip Starlette's router and middleware stack.

They are nearly all of a collector's traffic, and every layer shows up in the
requests per second.  ``/matomo.php`` and ``/piwik.php`` go straight to their
endpoint (still a Starlette ``Request``/``Response`` handler); everything else
goes to the app unchanged.  Behaves like the app it wraps (``state``,
``routes``, ...).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import request_response
from starlette.types import Receive, Scope, Send

from collector.endpoints import matomo
from collector.routes import TRACKING_METHODS

logger = logging.getLogger("footfall")

TRACKING_PATHS = frozenset({"/matomo.php", "/piwik.php"})


class TrackingFastPath:
    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.tracking = request_response(matomo)
        self.methods = frozenset(TRACKING_METHODS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in TRACKING_PATHS or scope["method"] not in self.methods:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app
        try:
            await self.tracking(scope, receive, send)
        except Exception as exc:  # as the app's 500 handler: the error's type, nothing from the request
            logger.error("unhandled error on %s: %s", scope["path"], type(exc).__name__)
            await PlainTextResponse("internal error\n", status_code=500)(scope, receive, send)
