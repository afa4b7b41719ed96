"""Users: the administrators' users page, a site admin's viewers, and changing one's own password.

Only global administrators see ``/users``.  A site admin (role ``admin`` on a
site) may give and take *viewer* access to that one site, by the e-mail of an
existing user, on the site's settings page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dashboard import session
from dashboard.accounts import AccountError, User
from dashboard.web import (
    HttpError,
    accounts_of,
    form_of,
    limiter_of,
    page,
    render,
    require_admin,
    require_user,
    services_of,
    sessions_of,
    site_for,
)
from footfall.forwarded import client_address
from footfall.metadata.sites import Site

ROLE_CHOICES = (("", "No access"), ("viewer", "Viewer"), ("admin", "Site admin"))
MIN_PASSWORD = 8


def _field_error(error: AccountError) -> tuple[str, str]:
    """``("email", "not an e-mail address")`` from an AccountError's ``"email: ..."`` message."""
    field, _, message = str(error).partition(": ")
    return (field, message) if message else ("form", str(error))


def _sites(request: Request) -> list[Site]:
    return services_of(request).sites.list()


def _roles_from_form(form: Any, sites: list[Site]) -> tuple[dict[int, str], dict[str, str]]:
    roles: dict[int, str] = {}
    errors: dict[str, str] = {}
    for site in sites:
        role = str(form.get(f"role_{site.id}", ""))
        if role in ("viewer", "admin"):
            roles[site.id] = role
        elif role:
            errors[f"role_{site.id}"] = "must be no access, viewer or site admin"
    return roles, errors


def _check_password(password: str, confirm: str) -> str:
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if len(password) > 1000:
        return "at most 1000 characters"
    if password != confirm:
        return "the two passwords differ"
    return ""


def _user_or_404(request: Request) -> User:
    user = accounts_of(request).get_user(int(request.path_params["user_id"]))
    if user is None:
        raise HttpError(404, "No such user.")
    return user


# The users page (administrators only) ------------------------------------------------------------


@page
async def user_list(request: Request) -> Response:
    me = require_admin(request)
    accounts = accounts_of(request)
    sites = {site.id: site for site in _sites(request)}
    roles = accounts.all_site_roles()
    rows = [
        {
            "user": user,
            "is_me": user.id == me.id,
            "sites": [(sites[site_id], role) for site_id, role in roles.get(user.id, {}).items() if site_id in sites],
        }
        for user in accounts.list_users()
    ]
    notice = {"added": "User added.", "deleted": "User deleted."}.get(request.query_params.get("done", ""), "")
    return render(request, "users.html", rows=rows, notice=notice)


def _form_page(request: Request, *, edited: User | None, values: dict[str, Any], errors: dict[str, str],
               status: int = 200, notice: str = "") -> Response:
    accounts = accounts_of(request)
    me = require_user(request)
    return render(
        request,
        "user_form.html",
        status=status,
        edited=edited,
        is_me=edited is not None and edited.id == me.id,
        last_admin=edited is not None and edited.is_admin and accounts.count_admins() <= 1,
        values=values,
        errors=errors,
        sites=_sites(request),
        role_choices=ROLE_CHOICES,
        notice=notice,
    )


@page
async def user_new(request: Request) -> Response:
    require_admin(request)
    sites = _sites(request)
    if request.method == "GET":
        return _form_page(request, edited=None, values={"email": "", "is_admin": False, "roles": {}}, errors={})
    form = form_of(request)
    email = str(form.get("email", "")).strip()[:254]
    password = str(form.get("password", ""))
    is_admin = form.get("is_admin") == "on"
    roles, errors = _roles_from_form(form, sites)
    values = {"email": email, "is_admin": is_admin, "roles": roles}
    if "@" not in email:
        errors["email"] = "not an e-mail address"
    problem = _check_password(password, str(form.get("password_confirm", "")))
    if problem:
        errors["password"] = problem
    if not errors:
        accounts = accounts_of(request)
        try:
            created = accounts.create_user(email, password, is_admin=is_admin)
        except AccountError as error:
            field, message = _field_error(error)
            errors[field] = message
        else:
            accounts.update_user(created.id, is_admin=is_admin, roles=roles)
            return RedirectResponse("/users?done=added", status_code=303)
    return _form_page(request, edited=None, values=values, errors=errors, status=422)


@page
async def user_edit(request: Request) -> Response:
    require_admin(request)
    edited = _user_or_404(request)
    accounts = accounts_of(request)
    if request.method == "GET":
        values = {"email": edited.email, "is_admin": edited.is_admin, "roles": accounts.site_roles(edited.id)}
        notice = "Password changed." if request.query_params.get("done") == "password" else ""
        return _form_page(request, edited=edited, values=values, errors={}, notice=notice)
    form = form_of(request)
    is_admin = form.get("is_admin") == "on"
    roles, errors = _roles_from_form(form, _sites(request))
    values = {"email": edited.email, "is_admin": is_admin, "roles": roles}
    if not errors:
        try:
            accounts.update_user(edited.id, is_admin=is_admin, roles=roles)
        except AccountError as error:
            field, message = _field_error(error)
            errors[field] = message
    if errors:
        return _form_page(request, edited=edited, values=values, errors=errors, status=422)
    saved = accounts.get_user(edited.id) or edited
    return _form_page(request, edited=saved, values={**values, "roles": accounts.site_roles(saved.id)}, errors={},
                      notice="Saved.")


@page
async def user_reset_password(request: Request) -> Response:
    require_admin(request)
    edited = _user_or_404(request)
    accounts = accounts_of(request)
    form = form_of(request)
    password = str(form.get("password", ""))
    problem = _check_password(password, str(form.get("password_confirm", "")))
    if problem:
        values = {"email": edited.email, "is_admin": edited.is_admin, "roles": accounts.site_roles(edited.id)}
        return _form_page(request, edited=edited, values=values, errors={"password": problem}, status=422)
    accounts.set_password(edited.id, password)
    sessions_of(request).end_all(edited.id, keep=session.load(request).get("sid"))
    return RedirectResponse(f"/users/{edited.id}?done=password", status_code=303)


@page
async def user_delete(request: Request) -> Response:
    me = require_admin(request)
    edited = _user_or_404(request)
    accounts = accounts_of(request)
    problem = ""
    if edited.id == me.id:
        problem = "You cannot delete yourself; ask another administrator."
    else:
        try:
            accounts.delete_user(edited.id)
        except AccountError as error:
            problem = _field_error(error)[1]
    if problem:
        values = {"email": edited.email, "is_admin": edited.is_admin, "roles": accounts.site_roles(edited.id)}
        return _form_page(request, edited=edited, values=values, errors={"delete": problem}, status=409)
    return RedirectResponse("/users?done=deleted", status_code=303)


# A site admin's viewers --------------------------------------------------------------------------


def _settings_with(request: Request, site: Site, *, status: int = 200, **extra: Any) -> Response:
    from dashboard import sites_views

    return sites_views.settings_page(request, site, sites_views.values_from_site(site), {}, status=status, **extra)


@page
async def grant_viewer(request: Request) -> Response:
    site = site_for(request, manage=True)
    accounts = accounts_of(request)
    email = str(form_of(request).get("email", "")).strip()[:254]
    found = accounts.find_user(email) if "@" in email else None
    problem = ""
    if found is None:
        problem = "No user has this e-mail address. An administrator can add users on the users page."
    elif found.is_admin:
        problem = f"{found.email} is an administrator and sees every site already."
    elif accounts.site_roles(found.id).get(site.id) == "admin":
        problem = f"{found.email} is a site admin of this site already."
    if problem:
        return _settings_with(request, site, status=422, member_email=email, member_error=problem)
    assert found is not None
    accounts.grant(found.id, site.id, "viewer")
    return RedirectResponse(f"/sites/{site.id}/settings#members", status_code=303)


@page
async def revoke_viewer(request: Request) -> Response:
    site = site_for(request, manage=True)
    accounts = accounts_of(request)
    user_id = int(request.path_params["user_id"])
    role = accounts.site_roles(user_id).get(site.id)
    if role == "admin" and not require_user(request).is_admin:
        raise HttpError(403, "Only administrators can remove a site admin.")
    accounts.revoke(user_id, site.id)
    return RedirectResponse(f"/sites/{site.id}/settings#members", status_code=303)


# One's own password ------------------------------------------------------------------------------


@page
async def change_password(request: Request) -> Response:
    user = require_user(request)
    accounts = accounts_of(request)
    form = form_of(request)
    errors: dict[str, str] = {}
    # The current password is rate-limited like a login, so a stolen session cannot guess it.
    settings = services_of(request).settings
    client, key = client_address(request, settings), f"password-change:{user.id}"
    limiter = limiter_of(request)
    wait = limiter.blocked(client, key, settings.login_attempts_per_minute)
    if wait:
        errors["current_password"] = f"too many wrong tries; wait {int(wait)} seconds"
    elif not accounts.check_password(user.id, str(form.get("current_password", ""))):
        limiter.failed(client, key)
        errors["current_password"] = "this is not your current password"
    problem = _check_password(str(form.get("new_password", "")), str(form.get("new_password_confirm", "")))
    if problem:
        errors["new_password"] = problem
    if not errors:
        accounts.set_password(user.id, str(form.get("new_password", "")))
        # Other sessions of this user end; this one goes on with the new password.
        current = session.load(request)
        current.set("stamp", accounts.credential_stamp(user.id))
        sessions_of(request).end_all(user.id, keep=current.get("sid"))
    return render(request, "account.html", status=422 if errors else 200, tokens=accounts.list_api_tokens(user.id),
                  new_token="", password_errors=errors, password_saved=not errors)
