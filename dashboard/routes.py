"""The dashboard's routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route


async def home(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Footfall</title><h1>Footfall</h1>")


def routes() -> list[BaseRoute]:
    return [Route("/", home)]
