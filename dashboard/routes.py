"""The dashboard's routes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dashboard import api_v2, auth, goals_views, onboarding_views, reports_views, sites_views, users_views
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
        Route("/account/password", users_views.change_password, methods=["POST"]),
        Route("/users", users_views.user_list),
        Route("/users/new", users_views.user_new, methods=GET_POST),
        Route("/users/{user_id:int}", users_views.user_edit, methods=GET_POST),
        Route("/users/{user_id:int}/password", users_views.user_reset_password, methods=["POST"]),
        Route("/users/{user_id:int}/delete", users_views.user_delete, methods=["POST"]),
        Route("/sites", sites_views.site_list),
        Route("/sites/new", sites_views.site_new, methods=GET_POST),
        Route("/sites/{site_id:int}/settings", sites_views.site_settings, methods=GET_POST),
        Route("/sites/{site_id:int}/token", sites_views.regenerate_token, methods=["POST"]),
        Route("/sites/{site_id:int}/delete", sites_views.site_delete, methods=GET_POST),
        Route("/sites/{site_id:int}/privacy", sites_views.privacy),
        Route("/sites/{site_id:int}/share", sites_views.create_share, methods=["POST"]),
        Route("/sites/{site_id:int}/share/{link_id}/revoke", sites_views.revoke_share, methods=["POST"]),
        Route("/sites/{site_id:int}/viewers", users_views.grant_viewer, methods=["POST"]),
        Route("/sites/{site_id:int}/viewers/{user_id:int}/revoke", users_views.revoke_viewer, methods=["POST"]),
        *goals_views.routes(),
        *onboarding_views.routes(),
        *reports_views.routes(),
        *api_v2.api_routes(),
        Mount("/assets", StaticFiles(directory=str(STATIC)), name="assets"),
    ]
