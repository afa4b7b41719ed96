"""The dashboard's routes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dashboard import api_v2, auth, reports_views, sites_views
from dashboard.web import STATIC

GET_POST = ["GET", "POST"]


def routes() -> list[BaseRoute]:
    return [
        Route("/", auth.home),
        Route("/login", auth.login, methods=GET_POST),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/account", auth.account),
        Route("/account/tokens", auth.create_token, methods=["POST"]),
        Route("/account/tokens/{token_id}/revoke", auth.revoke_token, methods=["POST"]),
        Route("/sites", sites_views.site_list),
        Route("/sites/new", sites_views.site_new, methods=GET_POST),
        Route("/sites/{site_id:int}/settings", sites_views.site_settings, methods=GET_POST),
        Route("/sites/{site_id:int}/token", sites_views.regenerate_token, methods=["POST"]),
        Route("/sites/{site_id:int}/privacy", sites_views.privacy),
        Route("/sites/{site_id:int}/share", sites_views.create_share, methods=["POST"]),
        Route("/sites/{site_id:int}/share/{link_id}/revoke", sites_views.revoke_share, methods=["POST"]),
        *reports_views.routes(),
        *api_v2.api_routes(),
        Mount("/assets", StaticFiles(directory=str(STATIC)), name="assets"),
    ]
