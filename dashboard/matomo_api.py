"""The subset of Matomo's Reporting API that Matomo's log importer needs.

``import_logs.py --url=https://stats.example.com --idsite=1 --token-auth=TOKEN``
first asks ``SitesManager.getSiteFromId`` for the site's ``main_url``; without
``--idsite`` (or with ``--add-sites-new-hosts``) it also uses
``SitesManager.getSitesIdFromSiteUrl``, ``getAllSites`` and ``addSite``.  It
POSTs a form to ``/`` (other clients use ``/index.php``, with GET or POST).

Answers are JSON in Matomo's shapes; every failure is Matomo's
``{"result": "error", "message": …}`` with status 200, as Matomo answers.
``token_auth`` decides what is visible: a site's own token sees that site only;
a user's API token sees the sites the user may view; adding a site needs an
administrator's token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from footfall.metadata.sites import Site, SiteError, normalize_domain

FORMATS = ("json", "json2")
MAX_BODY_BYTES = 64 * 1024
ARRAY_KEY = re.compile(r"^(\w+)\[(\d*)\]$")


class ApiError(Exception):
    """Answered as Matomo's error object."""


@dataclass(frozen=True)
class Caller:
    """Who the token belongs to: the sites it sees (None = all) and whether it may add sites."""

    visible: frozenset[int] | None
    superuser: bool = False

    def sees(self, site_id: int) -> bool:
        return self.visible is None or site_id in self.visible


def error(message: str) -> JSONResponse:
    return JSONResponse({"result": "error", "message": message}, headers={"Cache-Control": "no-store"})


def site_json(site: Site, created: str = "") -> dict[str, Any]:
    """A site as Matomo's SitesManager returns it (the fields Footfall has)."""
    urls = [f"https://{domain}" for domain in site.domains if domain != "*"]
    return {
        "idsite": site.id,
        "name": site.name,
        "main_url": urls[0] if urls else "",
        "ts_created": created,
        "ecommerce": 0,
        "sitesearch": 1,
        "sitesearch_keyword_parameters": "",
        "sitesearch_category_parameters": "",
        "timezone": site.timezone,
        "currency": "USD",
        "exclude_unknown_urls": 0,
        "excluded_ips": ",".join(site.excluded_ips),
        "excluded_parameters": ",".join(site.url_denylist),
        "excluded_user_agents": "",
        "excluded_referrers": ",".join(site.referrer_spam),
        "group": "",
        "type": "website",
        "keep_url_fragment": 0,
    }


def parameters(query: str, body: bytes) -> dict[str, Any]:
    """Query string and form body, with Matomo's ``urls[0]=…`` arrays gathered into lists."""
    values: dict[str, Any] = {}
    pairs = parse_qsl(query, keep_blank_values=True)
    if body:
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    for key, value in pairs:
        match = ARRAY_KEY.match(key)
        if match:
            existing = values.setdefault(match.group(1), [])
            if isinstance(existing, list):
                existing.append(value)
        else:
            values[key] = value
    return values


def _int(params: dict[str, Any], key: str) -> int:
    raw = params.get(key, "")
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApiError(f"Please specify a value for '{key}'.") from None


def _need_view(caller: Caller, site_id: int) -> None:
    if not caller.sees(site_id):
        raise ApiError(f"You can't access this resource as it requires 'view' access for the website id = {site_id}.")


class ReportingApi:
    """The methods, over the site store and the accounts; each returns Matomo's JSON value."""

    def __init__(self, sites: Any, accounts: Any) -> None:
        self.sites = sites
        self.accounts = accounts

    def caller(self, token: str) -> Caller:
        if not token:
            raise ApiError("You must be logged in to access this functionality. Send token_auth.")
        site = self.sites.by_token(token)
        if site is not None:
            return Caller(frozenset({site.id}))
        user = self.accounts.resolve_api_token(token)
        if user is None:
            raise ApiError("Unable to authenticate with the provided token. It is either invalid or expired.")
        visible = self.accounts.visible_site_ids(user)
        return Caller(None if visible is None else frozenset(visible), superuser=user.is_admin)

    def _created(self, site_id: int) -> str:
        row = self.sites.db.fetchone("SELECT created_at FROM sites WHERE id = ?", [site_id])
        return str(row["created_at"]) if row else ""

    def get_site_from_id(self, caller: Caller, params: dict[str, Any]) -> Any:
        site_id = _int(params, "idSite")
        _need_view(caller, site_id)
        site = self.sites.get(site_id)
        if site is None:
            raise ApiError(f"An unexpected website was found in the request: website id was set to '{site_id}' .")
        return site_json(site, self._created(site_id))

    def get_sites_id_from_site_url(self, caller: Caller, params: dict[str, Any]) -> Any:
        url = str(params.get("url", "")).strip()
        if not url:
            raise ApiError("Please specify a value for 'url'.")
        try:
            host = normalize_domain(urlsplit(url if "://" in url else f"http://{url}").hostname or "")
        except (SiteError, ValueError):
            return []
        return [
            {"idsite": site.id}
            for site in self.sites.list()
            if caller.sees(site.id) and host in site.domains
        ]

    def get_all_sites(self, caller: Caller, params: dict[str, Any]) -> Any:
        if not caller.superuser:
            raise ApiError("You can't access this resource as it requires 'superuser' access.")
        # Keyed by id, as Matomo's JSON renders its id-indexed array.
        return {str(site.id): site_json(site, self._created(site.id)) for site in self.sites.list()}

    def add_site(self, caller: Caller, params: dict[str, Any]) -> Any:
        if not caller.superuser:
            raise ApiError("You can't access this resource as it requires 'superuser' access.")
        urls = params.get("urls", [])
        if isinstance(urls, str):
            urls = [part for part in urls.split(",") if part.strip()]
        name = str(params.get("siteName", "")).strip()
        if not urls:
            raise ApiError("Please specify a value for 'urls'.")
        fields: dict[str, Any] = {}
        if params.get("timezone"):
            fields["timezone"] = params["timezone"]
        if params.get("excludedIps"):
            fields["excluded_ips"] = params["excludedIps"]
        try:
            site = self.sites.add(name or urls[0], list(urls), **fields)
        except SiteError as exc:
            raise ApiError(str(exc)) from None
        return {"value": site.id}

    METHODS: dict[str, str] = {
        "SitesManager.getSiteFromId": "get_site_from_id",
        "SitesManager.getSitesIdFromSiteUrl": "get_sites_id_from_site_url",
        "SitesManager.getAllSites": "get_all_sites",
        "SitesManager.addSite": "add_site",
    }

    def call(self, params: dict[str, Any]) -> Any:
        method = str(params.get("method", ""))
        name = self.METHODS.get(method)
        if name is None:
            module = method.split(".", 1)[0] if "." in method else method
            raise ApiError(f"The method '{method}' does not exist or is not available in the module '{module}'.")
        caller = self.caller(str(params.get("token_auth", "")))
        handler: Callable[[Caller, dict[str, Any]], Any] = getattr(self, name)
        return handler(caller, params)


async def reporting_api(request: Request) -> Response:
    from dashboard.web import accounts_of, services_of

    body = b""
    if request.method == "POST":
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return error("The request is too large.")
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = b"" if body.lstrip().startswith(b"{") else body
    params = parameters(request.url.query, body)
    if params.get("module") != "API":
        if request.method == "GET":
            return RedirectResponse("/", 303)  # Matomo's index.php without module=API is the UI
        return error("Only module=API is supported here.")
    if str(params.get("format", "xml")).lower() not in FORMATS:
        return error("Only format=json is supported.")
    api = ReportingApi(services_of(request).sites, accounts_of(request))
    try:
        value = await run_in_threadpool(api.call, params)
    except ApiError as exc:
        return error(str(exc))
    return JSONResponse(value, headers={"Cache-Control": "no-store"})

