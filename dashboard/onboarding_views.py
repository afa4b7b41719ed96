"""The first-hit check a site without data polls, and the button that adds a refused host to a site's domains."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard import onboarding
from dashboard.web import HttpError, form_of, page, secure, services_of, site_for
from footfall.metadata.hosts_seen import HostsSeen
from footfall.metadata.sites import Site, SiteError


def hosts_of(request: Request, site: Site) -> list:
    return HostsSeen(services_of(request).db).list(site.id)


def advice_for(request: Request, site: Site, drops: dict[str, Any]) -> list[onboarding.Advice]:
    return onboarding.explain(site, drops, hosts_of(request, site))


async def first_hit(request: Request) -> Response:
    @page
    async def handler(request: Request) -> Response:
        site = site_for(request)
        state = await run_in_threadpool(onboarding.check, services_of(request).storage, site, hosts_of(request, site))
        return JSONResponse(state)

    response = await handler(request)
    if response.status_code == 303:  # not logged in: a JSON client gets 401, not a login page
        return secure(JSONResponse({"error": "login required"}, 401))
    return response


@page
async def add_domain(request: Request) -> Response:
    """Add one of the refused hosts to the site's domains (only a host that was seen, so no typing is needed)."""
    site = site_for(request, manage=True)
    form = form_of(request)
    host = str(form.get("host", "")).strip().lower()
    store = HostsSeen(services_of(request).db)
    if host not in {seen.host for seen in store.list(site.id)}:
        raise HttpError(400, "That host was not seen for this site; add it on the settings page instead.")
    try:
        services_of(request).sites.update(site.id, domains=[*site.domains, host])
    except SiteError as error:
        raise HttpError(400, str(error)) from None
    store.forget(site.id, host)
    back = str(form.get("next", ""))
    if back not in (f"/sites/{site.id}", f"/sites/{site.id}/settings"):
        back = f"/sites/{site.id}"
    return RedirectResponse(f"{back}?added={host}#onboarding", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/sites/{site_id:id}/first-hit.json", first_hit),
        Route("/sites/{site_id:id}/domains/add", add_domain, methods=["POST"]),
    ]
