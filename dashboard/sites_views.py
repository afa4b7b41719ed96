"""Sites: list, create, edit, snippets, privacy policy text and share links."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dashboard import goals, privacy_policy
from dashboard.web import (
    accounts_of,
    form_of,
    page,
    render,
    require_admin,
    require_user,
    services_of,
    site_for,
)
from footfall import consent_check, snippets
from footfall.forwarded import public_base_url
from footfall.metadata import sites as sites_module
from footfall.metadata.imports import AggregateImports
from footfall.metadata.privacy_log import PrivacyLog
from footfall.metadata.sites import Site, SiteError

CHECKBOXES = ("honor_dnt", "cookie_mode", "store_truncated_ip")
TEXT_FIELDS = ("name", "domains", "timezone", "currency", "excluded_ips", "retention_days", "url_denylist",
               "referrer_spam", "k_anonymity")


@lru_cache(maxsize=1)
def timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _values_from_form(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {key: str(form.get(key, "")).strip() for key in TEXT_FIELDS}
    for key in CHECKBOXES:
        values[key] = form.get(key) == "on"
    values["k_anonymity"] = values["k_anonymity"] or str(Site.k_anonymity)  # a form without the field: the default
    return values


def values_from_site(site: Site | None) -> dict[str, Any]:
    if site is None:
        return {"name": "", "domains": "", "timezone": "UTC", "currency": "", "excluded_ips": "", "retention_days": "0",
                "url_denylist": "", "referrer_spam": "", "honor_dnt": True, "cookie_mode": False,
                "store_truncated_ip": False, "k_anonymity": "5"}
    return {
        "name": site.name,
        "domains": "\n".join(site.domains),
        "timezone": site.timezone,
        "currency": site.currency,
        "excluded_ips": "\n".join(site.excluded_ips),
        "retention_days": str(site.retention_days),
        "url_denylist": "\n".join(site.url_denylist),
        "referrer_spam": "\n".join(site.referrer_spam),
        "honor_dnt": site.honor_dnt,
        "cookie_mode": site.cookie_mode,
        "store_truncated_ip": site.store_truncated_ip,
        "k_anonymity": str(site.k_anonymity),
    }


def validate(values: dict[str, Any], server_retention_days: int = 0) -> dict[str, str]:
    """Every field checked on its own, so each error can be shown next to its field."""
    errors: dict[str, str] = {}
    for key, value in values.items():
        try:
            sites_module.clean({key: value})
        except SiteError as error:
            message = str(error)
            errors[key] = message.split(": ", 1)[1] if message.startswith(key + ":") else message
    if not values.get("name"):
        errors["name"] = "must be 1 to 200 characters"
    days = str(values.get("retention_days", "0"))
    if "retention_days" not in errors and server_retention_days and days.isdigit() and int(days) > server_retention_days:
        errors["retention_days"] = f"can only be shorter than the server's {server_retention_days} days"
    return errors


def collector_url(request: Request) -> str:
    """Where snippets and share links point: the public URL, never a Host header that is not allowed."""
    return public_base_url(request, services_of(request).settings)


@page
async def site_list(request: Request) -> Response:
    user = require_user(request)
    visible = accounts_of(request).visible_site_ids(user)
    all_sites = services_of(request).sites.list()
    shown = [site for site in all_sites if visible is None or site.id in visible]
    from starlette.concurrency import run_in_threadpool

    from dashboard import site_overview

    numbers = await run_in_threadpool(site_overview.overview, services_of(request).storage, [s.id for s in shown])
    for item in numbers.values():
        item["spark"] = site_overview.sparkline(item["daily"], f"Visitors per day, last {site_overview.DAYS} days")
    return render(request, "sites.html", sites=shown, numbers=numbers, days=site_overview.DAYS,
                  deleted=request.query_params.get("deleted", ""))


@page
async def site_new(request: Request) -> Response:
    require_admin(request)
    if request.method == "GET":
        return render(request, "site_form.html", site=None, values=values_from_site(None), errors={},
                      timezones=timezones(), saved=False,
                      server_retention_days=services_of(request).settings.retention_days)
    values = _values_from_form(form_of(request))
    errors = validate(values, services_of(request).settings.retention_days)
    if not errors:
        try:
            created = services_of(request).sites.add(values.pop("name"), values.pop("domains"), **values)
        except SiteError as error:
            errors["name"] = str(error)
        else:
            return RedirectResponse(f"/sites/{created.id}/settings?created=1", status_code=303)
    return render(request, "site_form.html", status=422, site=None, values=values, errors=errors,
                  timezones=timezones(), saved=False,
                  server_retention_days=services_of(request).settings.retention_days)


def _user_id_hits(request: Request, site: Site) -> int:
    """Stored hits of the site that carry a user ID (Matomo uid): merging with other data."""
    try:
        return consent_check.count_user_id_hits(services_of(request).storage, site.id)
    except Exception:  # storage down: the check goes by the settings alone
        return 0


def settings_page(request: Request, site: Site, values: dict[str, Any], errors: dict[str, str],
                   status: int = 200, saved: bool = False, new_share: str = "", **extra: Any) -> Response:
    user = require_user(request)
    base = collector_url(request)
    accounts = accounts_of(request)
    # The site's viewers (users_views) and named goals (goals_views) are parts of this page.
    extra.setdefault("members", accounts.site_members(site.id))
    extra.setdefault("member_email", "")
    extra.setdefault("member_error", "")
    extra.setdefault("goals", goals.store_of(services_of(request)).list(site.id))
    extra.setdefault("goal_values", goals.empty_values())
    extra.setdefault("goal_errors", {})
    extra.setdefault("goal_edit", None)
    extra.setdefault("imports", AggregateImports(services_of(request).db).list(site.id))
    extra.setdefault("import_message", "")
    extra.setdefault("import_error", "")
    extra.setdefault("site_check", _site_check(request, site))
    extra.setdefault("added", request.query_params.get("added", ""))
    return render(
        request,
        "site_form.html",
        status=status,
        site=site,
        values=values,
        errors=errors,
        timezones=timezones(),
        saved=saved or request.query_params.get("created") == "1",
        tracking_snippet=snippets.tracking_snippet(base, site.id),
        matomo_snippet=snippets.matomo_snippet(base, site.id),
        opt_out_snippet=snippets.opt_out_snippet(base, "de"),
        token_auth=site.token_auth if user.is_admin else "",
        share_links=accounts.list_share_links(site.id),
        new_share=new_share,
        share_base=base.rstrip("/") + "/share/",
        goal_match_types=goals.MATCH_TYPES,
        consent=consent_check.check(site, services_of(request).settings, _user_id_hits(request, site)),
        manifest_url=privacy_policy.manifest_url(base, site),
        privacy_log=PrivacyLog(services_of(request).db).entries(50, site.id) if user.is_admin else [],
        server_retention_days=services_of(request).settings.retention_days,
        **extra,
    )


def _site_check(request: Request, site: Site) -> dict[str, Any]:
    """Whether the site has data, and why its hits were refused lately (the same words as the dashboard)."""
    from dashboard import onboarding
    from dashboard.onboarding_views import hosts_of
    from dashboard.stats import drops

    storage = services_of(request).storage
    hosts = hosts_of(request, site)
    start, end = onboarding.recent_window()
    return {"has_events": onboarding.has_events(storage, site.id), "days": onboarding.CHECK_DAYS,
            "advice": onboarding.explain(site, drops.dropped_hits(storage, site.id, start, end), hosts)}


@page
async def site_settings(request: Request) -> Response:
    site = site_for(request, manage=True)
    if request.method == "GET":
        return settings_page(request, site, values_from_site(site), {})
    values = _values_from_form(form_of(request))
    errors = validate(values, services_of(request).settings.retention_days)
    if errors:
        return settings_page(request, site, values, errors, status=422)
    try:
        updated = services_of(request).sites.update(site.id, **values)
    except SiteError as error:
        return settings_page(request, site, values, {"name": str(error)}, status=422)
    return settings_page(request, updated, values_from_site(updated), {}, saved=True)


@page
async def regenerate_token(request: Request) -> Response:
    site = site_for(request, manage=True)
    require_admin(request)
    services_of(request).sites.regenerate_token(site.id)
    return RedirectResponse(f"/sites/{site.id}/settings", status_code=303)


@page
async def privacy(request: Request) -> Response:
    site = site_for(request)
    return render(request, "privacy.html", site=site,
                  policies=privacy_policy.policies(site, services_of(request).settings, collector_url(request)),
                  opt_out_snippet=snippets.opt_out_snippet(collector_url(request), "de"))


@page
async def create_share(request: Request) -> Response:
    site = site_for(request, manage=True)
    name = str(form_of(request).get("name", "")).strip()[:100]
    token = accounts_of(request).create_share_link(site.id, name)
    return settings_page(request, site, values_from_site(site), {}, new_share=token)


@page
async def revoke_share(request: Request) -> Response:
    site = site_for(request, manage=True)
    link_id = int(request.path_params["link_id"])
    accounts_of(request).revoke_share_link(site.id, link_id)
    return RedirectResponse(f"/sites/{site.id}/settings#share", status_code=303)


@page
async def site_delete(request: Request) -> Response:
    """A confirmation page; deleting needs the site's name typed in, as the page asks."""
    from starlette.concurrency import run_in_threadpool

    from footfall import deletion

    site = site_for(request, manage=True)
    require_admin(request)
    storage = services_of(request).storage
    events = await run_in_threadpool(
        lambda: int(storage.query("SELECT count() FROM events WHERE site_id = {site_id:UInt32}",
                                  {"site_id": site.id})[0][0]))
    if request.method == "GET":
        return render(request, "site_delete.html", site=site, events=events, error="")
    if str(form_of(request).get("confirm", "")).strip() != site.name:
        return render(request, "site_delete.html", status=422, site=site, events=events,
                      error=f"Type the site's name, {site.name}, to confirm.")
    deleted = await run_in_threadpool(deletion.delete_site, storage, services_of(request).sites, site.id)
    return RedirectResponse(f"/sites?deleted={deleted}", status_code=303)
