"""The dashboard's routes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dashboard import (
    api_v2,
    auth,
    goals_views,
    imports_views,
    matomo_api,
    onboarding_views,
    reports_views,
    sites_views,
    users_views,
)
from dashboard.web import STATIC, check_files
from footfall import ids  # noqa: F401 - registers the {name:id} path convertor

GET_POST = ["GET", "POST"]


def routes() -> list[BaseRoute]:
    check_files()
    return [
        Route("/", auth.home),
        # Matomo's Reporting API (SitesManager), for Matomo's log importer: it POSTs to the base URL.
        Route("/", matomo_api.reporting_api, methods=["POST"]),
        Route("/index.php", matomo_api.reporting_api, methods=GET_POST),
        Route("/login", auth.login, methods=GET_POST),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/logout/everywhere", auth.logout_everywhere, methods=["POST"]),
        Route("/account", auth.account),
        Route("/account/tokens", auth.create_token, methods=["POST"]),
        Route("/account/tokens/{token_id:id}/revoke", auth.revoke_token, methods=["POST"]),
        Route("/account/password", users_views.change_password, methods=["POST"]),
        Route("/users", users_views.user_list),
        Route("/users/new", users_views.user_new, methods=GET_POST),
        Route("/users/{user_id:id}", users_views.user_edit, methods=GET_POST),
        Route("/users/{user_id:id}/password", users_views.user_reset_password, methods=["POST"]),
        Route("/users/{user_id:id}/delete", users_views.user_delete, methods=["POST"]),
        Route("/sites", sites_views.site_list),
        Route("/sites/new", sites_views.site_new, methods=GET_POST),
        Route("/sites/{site_id:id}/settings", sites_views.site_settings, methods=GET_POST),
        Route("/sites/{site_id:id}/token", sites_views.regenerate_token, methods=["POST"]),
        Route("/sites/{site_id:id}/delete", sites_views.site_delete, methods=GET_POST),
        Route("/sites/{site_id:id}/privacy", sites_views.privacy),
        Route("/sites/{site_id:id}/share", sites_views.create_share, methods=["POST"]),
        Route("/sites/{site_id:id}/share/{link_id:id}/revoke", sites_views.revoke_share, methods=["POST"]),
        Route("/sites/{site_id:id}/viewers", users_views.grant_viewer, methods=["POST"]),
        Route("/sites/{site_id:id}/viewers/{user_id:id}/revoke", users_views.revoke_viewer, methods=["POST"]),
        *goals_views.routes(),
        *imports_views.routes(),
        *onboarding_views.routes(),
        *reports_views.routes(),
        *api_v2.api_routes(),
        Mount("/assets", StaticFiles(directory=str(STATIC)), name="assets"),
    ]
