"""Adding, renaming and deleting a site's goals, on its settings page (site admins and administrators)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard import goals
from dashboard.web import HttpError, form_of, page, services_of, site_for
from footfall.metadata.sites import Site

FIELDS = ("goal_id", "name", "match_type", "match_value")


def _values(form: Any) -> dict[str, str]:
    return {key: str(form.get(key, ""))[:1000] for key in FIELDS}


def _settings_with(request: Request, site: Site, **extra: Any) -> Response:
    from dashboard import sites_views

    return sites_views.settings_page(request, site, sites_views.values_from_site(site), {}, status=422, **extra)


def _goal_id(request: Request) -> int:
    return int(request.path_params["goal_id"])


@page
async def add_goal(request: Request) -> Response:
    site = site_for(request, manage=True)
    store = goals.store_of(services_of(request))
    values = _values(form_of(request))
    goal, errors = store.validate(site.id, values)
    if goal is None:
        return _settings_with(request, site, goal_values=values, goal_errors=errors)
    store.save(goal)
    if form_of(request).get("next") == f"/sites/{site.id}":  # named from the dashboard's goals card
        return RedirectResponse(f"/sites/{site.id}#card-goals", status_code=303)
    return RedirectResponse(f"/sites/{site.id}/settings#goals", status_code=303)


@page
async def edit_goal(request: Request) -> Response:
    site = site_for(request, manage=True)
    store = goals.store_of(services_of(request))
    goal_id = _goal_id(request)
    if store.get(site.id, goal_id) is None:
        raise HttpError(404, "No such goal.")
    values = {**_values(form_of(request)), "goal_id": str(goal_id)}
    goal, errors = store.validate(site.id, values, editing=goal_id)
    if goal is None:
        return _settings_with(request, site, goal_edit={"goal_id": goal_id, "values": values, "errors": errors})
    store.save(goal)
    return RedirectResponse(f"/sites/{site.id}/settings#goals", status_code=303)


@page
async def delete_goal(request: Request) -> Response:
    site = site_for(request, manage=True)
    goals.store_of(services_of(request)).delete(site.id, _goal_id(request))
    return RedirectResponse(f"/sites/{site.id}/settings#goals", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/sites/{site_id:id}/goals", add_goal, methods=["POST"]),
        Route("/sites/{site_id:id}/goals/{goal_id:id}", edit_goal, methods=["POST"]),
        Route("/sites/{site_id:id}/goals/{goal_id:id}/delete", delete_goal, methods=["POST"]),
    ]
