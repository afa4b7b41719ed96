"""The users page (administrators only), a site admin's viewers, and changing one's own password."""

from __future__ import annotations

import html as html_module
import re

import httpx

from tests.dashboard.web_client import accounts, add_user, csrf_of, login, post_form
from tests.support import LiveServer


def field_error(page: str, name: str) -> str | None:
    match = re.search(r'<small class="error" id="e-' + re.escape(name) + r'" role="alert">([^<]*)</small>', page)
    return html_module.unescape(match.group(1)) if match else None


def can_log_in(server: LiveServer, email: str, password: str) -> bool:
    with server.client() as client:
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        return response.status_code == 303


NEW_USER = {"email": "ann@example.com", "password": "ann's secret", "password_confirm": "ann's secret"}


def test_users_page_is_for_administrators_only(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    add_user(live_server, "admin@example.com", admin=True)
    site_admin = add_user(live_server, "owner@example.com")
    accounts(live_server).grant(site_admin.id, site.id, "admin")
    add_user(live_server, "viewer@example.com", sites=(site.id,))

    with live_server.client() as anonymous:
        response = anonymous.get("/users")
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/users")

    for email in ("owner@example.com", "viewer@example.com"):
        client = login(live_server, email)
        for path in ("/users", "/users/new", f"/users/{site_admin.id}"):
            assert client.get(path).status_code == 403, (email, path)
        assert 'href="/users"' not in client.get("/sites").text  # no nav link either
        # A valid CSRF token does not help: the POST is refused, nothing changes.
        token = csrf_of(client.get("/account").text)
        refused = client.post("/users/new", data={**NEW_USER, "is_admin": "on", "csrf_token": token})
        assert refused.status_code == 403
        assert client.post(f"/users/{site_admin.id}", data={"is_admin": "on", "csrf_token": token}).status_code == 403
        assert client.post(f"/users/{site_admin.id}/delete", data={"csrf_token": token}).status_code == 403
        client.close()
    assert accounts(live_server).find_user("ann@example.com") is None
    assert not accounts(live_server).get_user(site_admin.id).is_admin

    admin = login(live_server, "admin@example.com")
    page = admin.get("/users")
    assert page.status_code == 200
    text = html_module.unescape(re.sub(r"<[^>]+>", "", page.text))
    for email in ("admin@example.com", "owner@example.com", "viewer@example.com"):
        assert email in text
    assert "a.example (site admin)" in text and "a.example (viewer)" in text
    assert 'href="/users"' in admin.get("/sites").text


def test_add_edit_reset_and_delete_a_user(live_server: LiveServer) -> None:
    site_a = live_server.add_site("a.example")
    site_b = live_server.add_site("b.example")
    add_user(live_server, "admin@example.com", admin=True)
    admin = login(live_server, "admin@example.com")
    store = accounts(live_server)

    bad = post_form(admin, "/users/new", "/users/new",
                    {"email": "not-an-address", "password": "short", "password_confirm": "short",
                     f"role_{site_a.id}": "owner"})
    assert bad.status_code == 422
    assert field_error(bad.text, "email") == "not an e-mail address"
    assert field_error(bad.text, "password") == "at least 8 characters"
    assert field_error(bad.text, f"role_{site_a.id}") == "must be no access, viewer or site admin"
    assert 'value="not-an-address"' in bad.text  # the typed e-mail stays in the form
    mismatch = post_form(admin, "/users/new", "/users/new", {**NEW_USER, "password_confirm": "something else"})
    assert field_error(mismatch.text, "password") == "the two passwords differ"
    assert store.find_user("ann@example.com") is None

    created = post_form(admin, "/users/new", "/users/new",
                        {**NEW_USER, f"role_{site_a.id}": "viewer", f"role_{site_b.id}": "admin"})
    assert created.status_code == 303 and created.headers["location"] == "/users?done=added"
    ann = store.find_user("ann@example.com")
    assert ann is not None and not ann.is_admin
    assert store.site_roles(ann.id) == {site_a.id: "viewer", site_b.id: "admin"}
    duplicate = post_form(admin, "/users/new", "/users/new", {**NEW_USER, "email": "ANN@example.com"})
    assert duplicate.status_code == 422 and "exists already" in field_error(duplicate.text, "email")

    # Ann sees both sites, manages b only.
    ann_client = login(live_server, "ann@example.com", "ann's secret")
    assert ann_client.get(f"/sites/{site_a.id}").status_code == 200
    assert ann_client.get(f"/sites/{site_a.id}/settings").status_code == 403
    assert ann_client.get(f"/sites/{site_b.id}/settings").status_code == 200

    # Edit: viewer of b only.
    edited = post_form(admin, f"/users/{ann.id}", f"/users/{ann.id}", {f"role_{site_b.id}": "viewer"})
    assert edited.status_code == 200 and "Saved." in edited.text
    assert store.site_roles(ann.id) == {site_b.id: "viewer"}
    assert ann_client.get(f"/sites/{site_a.id}").status_code == 403
    assert ann_client.get(f"/sites/{site_b.id}/settings").status_code == 403
    promoted = post_form(admin, f"/users/{ann.id}", f"/users/{ann.id}", {"is_admin": "on"})
    assert promoted.status_code == 200 and store.get_user(ann.id).is_admin

    # Reset the password.
    short = post_form(admin, f"/users/{ann.id}", f"/users/{ann.id}/password",
                      {"password": "1234", "password_confirm": "1234"})
    assert short.status_code == 422 and field_error(short.text, "password") == "at least 8 characters"
    reset = post_form(admin, f"/users/{ann.id}", f"/users/{ann.id}/password",
                      {"password": "brand new pass", "password_confirm": "brand new pass"})
    assert reset.status_code == 303
    assert can_log_in(live_server, "ann@example.com", "brand new pass")
    assert not can_log_in(live_server, "ann@example.com", "ann's secret")

    # Delete: the user, their roles and their session's access are gone.
    deleted = post_form(admin, f"/users/{ann.id}", f"/users/{ann.id}/delete", {})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/users?done=deleted"
    assert store.get_user(ann.id) is None and store.site_roles(ann.id) == {}
    assert ann_client.get(f"/sites/{site_b.id}").status_code == 303  # back to the login page
    assert not can_log_in(live_server, "ann@example.com", "brand new pass")
    assert admin.get(f"/users/{ann.id}").status_code == 404
    ann_client.close()


def test_the_last_administrator_and_oneself_are_protected(live_server: LiveServer) -> None:
    admin = add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    store = accounts(live_server)

    page = client.get(f"/users/{admin.id}").text
    assert "You cannot delete yourself." in page and "The only administrator cannot be deleted." not in page
    self_delete = post_form(client, f"/users/{admin.id}", f"/users/{admin.id}/delete", {})
    assert self_delete.status_code == 409 and "cannot delete yourself" in field_error(self_delete.text, "delete")
    demote = post_form(client, f"/users/{admin.id}", f"/users/{admin.id}", {})  # the admin box unticked
    assert demote.status_code == 422
    assert field_error(demote.text, "is_admin") == "the last administrator must stay an administrator"
    assert store.get_user(admin.id).is_admin

    # The store refuses it too, whoever asks.
    other = add_user(live_server, "other@example.com")
    try:
        store.delete_user(admin.id)
    except ValueError as error:
        assert "last administrator" in str(error)
    else:
        raise AssertionError("the last administrator was deleted")

    # With a second administrator, the first can step down, and then the second is the last one.
    post_form(client, f"/users/{other.id}", f"/users/{other.id}", {"is_admin": "on"})
    assert store.count_admins() == 2
    other_client = login(live_server, "other@example.com")
    assert "The only administrator" not in other_client.get(f"/users/{admin.id}").text
    stepped_down = post_form(client, f"/users/{admin.id}", f"/users/{admin.id}", {})
    assert stepped_down.status_code == 200 and not store.get_user(admin.id).is_admin
    assert client.get("/users").status_code == 403
    last = other_client.get(f"/users/{other.id}").text
    assert "You cannot delete yourself." in last
    refused = post_form(other_client, f"/users/{other.id}", f"/users/{other.id}", {})
    assert refused.status_code == 422 and store.get_user(other.id).is_admin
    # The former administrator can be deleted by the remaining one.
    assert post_form(other_client, "/users", f"/users/{admin.id}/delete", {}).status_code == 303
    assert store.list_users() == [store.get_user(other.id)]
    client.close()
    other_client.close()


def test_user_forms_refuse_posts_without_a_valid_csrf_token(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    victim = add_user(live_server, "victim@example.com")
    client = login(live_server, "admin@example.com")
    posts = {
        "/users/new": {**NEW_USER, "is_admin": "on"},
        f"/users/{victim.id}": {"is_admin": "on"},
        f"/users/{victim.id}/password": {"password": "attacker pass", "password_confirm": "attacker pass"},
        f"/users/{victim.id}/delete": {},
        "/account/password": {"current_password": "correct horse", "new_password": "attacker pass",
                              "new_password_confirm": "attacker pass"},
    }
    for path, data in posts.items():
        for token in (None, "forged-token-forged-token-forged"):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=body)
            assert response.status_code == 403, path
            assert "did not come from this site" in response.text
    store = accounts(live_server)
    assert store.find_user("ann@example.com") is None
    assert store.get_user(victim.id) is not None and not store.get_user(victim.id).is_admin
    assert can_log_in(live_server, "victim@example.com", "correct horse")
    assert can_log_in(live_server, "admin@example.com", "correct horse")
    client.close()


def test_a_site_admin_grants_viewers_on_their_own_site_only(live_server: LiveServer) -> None:
    site_a = live_server.add_site("a.example")
    site_b = live_server.add_site("b.example")
    store = accounts(live_server)
    owner = add_user(live_server, "owner@example.com")
    store.grant(owner.id, site_a.id, "admin")
    colleague = add_user(live_server, "colleague@example.com")
    co_owner = add_user(live_server, "co-owner@example.com")
    store.grant(co_owner.id, site_a.id, "admin")
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "owner@example.com")
    settings = f"/sites/{site_a.id}/settings"

    page = client.get(settings).text
    assert 'id="members"' in page and "co-owner@example.com" in page

    unknown = post_form(client, settings, f"/sites/{site_a.id}/viewers", {"email": "nobody@example.com"})
    assert unknown.status_code == 422
    assert "No user has this e-mail address" in field_error(unknown.text, "member_email")
    admin_target = post_form(client, settings, f"/sites/{site_a.id}/viewers", {"email": "admin@example.com"})
    assert "sees every site already" in field_error(admin_target.text, "member_email")

    granted = post_form(client, settings, f"/sites/{site_a.id}/viewers", {"email": "Colleague@Example.com"})
    assert granted.status_code == 303
    assert store.site_roles(colleague.id) == {site_a.id: "viewer"}
    colleague_client = login(live_server, "colleague@example.com")
    assert colleague_client.get(f"/sites/{site_a.id}").status_code == 200
    assert colleague_client.get(f"/sites/{site_b.id}").status_code == 403
    # A viewer cannot give access to anyone.
    refused = post_form(colleague_client, f"/sites/{site_a.id}", f"/sites/{site_a.id}/viewers",
                        {"email": "colleague@example.com"})
    assert refused.status_code == 403

    # Not on another site, not even with a valid token.
    other_site = post_form(client, settings, f"/sites/{site_b.id}/viewers", {"email": "colleague@example.com"})
    assert other_site.status_code == 403
    assert store.site_roles(colleague.id) == {site_a.id: "viewer"}
    # A site admin cannot demote or remove another site admin.
    assert "co-owner@example.com" in client.get(settings).text
    removal = post_form(client, settings, f"/sites/{site_a.id}/viewers/{co_owner.id}/revoke", {})
    assert removal.status_code == 403 and store.site_roles(co_owner.id) == {site_a.id: "admin"}
    demotion = post_form(client, settings, f"/sites/{site_a.id}/viewers", {"email": "co-owner@example.com"})
    assert demotion.status_code == 422 and store.site_roles(co_owner.id) == {site_a.id: "admin"}

    revoked = post_form(client, settings, f"/sites/{site_a.id}/viewers/{colleague.id}/revoke", {})
    assert revoked.status_code == 303 and store.site_roles(colleague.id) == {}
    assert colleague_client.get(f"/sites/{site_a.id}").status_code == 403
    # Revoking through another site's URL does nothing to this one.
    store.grant(colleague.id, site_b.id, "viewer")
    assert post_form(client, settings, f"/sites/{site_b.id}/viewers/{colleague.id}/revoke", {}).status_code == 403
    assert store.site_roles(colleague.id) == {site_b.id: "viewer"}
    client.close()
    colleague_client.close()


def test_change_my_password(live_server: LiveServer) -> None:
    add_user(live_server, "viewer@example.com")
    client = login(live_server, "viewer@example.com")
    elsewhere = login(live_server, "viewer@example.com")  # the same user in another browser
    page = client.get("/account")
    assert 'action="/account/password"' in page.text

    wrong = post_form(client, "/account", "/account/password",
                      {"current_password": "not it at all", "new_password": "new password 1",
                       "new_password_confirm": "new password 1"})
    assert wrong.status_code == 422
    assert field_error(wrong.text, "current_password") == "this is not your current password"
    mismatch = post_form(client, "/account", "/account/password",
                         {"current_password": "correct horse", "new_password": "new password 1",
                          "new_password_confirm": "new password 2"})
    assert field_error(mismatch.text, "new_password") == "the two passwords differ"
    assert can_log_in(live_server, "viewer@example.com", "correct horse")

    changed = post_form(client, "/account", "/account/password",
                        {"current_password": "correct horse", "new_password": "new password 1",
                         "new_password_confirm": "new password 1"})
    assert changed.status_code == 200 and "Your password was changed." in changed.text
    assert can_log_in(live_server, "viewer@example.com", "new password 1")
    assert not can_log_in(live_server, "viewer@example.com", "correct horse")
    # This session goes on; the one opened elsewhere with the old password has ended.
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 303
    client.close()
    elsewhere.close()


def test_a_password_reset_ends_the_users_sessions(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    add_user(live_server, "ann@example.com")
    ann = login(live_server, "ann@example.com")
    assert ann.get("/account").status_code == 200
    admin = login(live_server, "admin@example.com")
    [ann_user] = [user for user in accounts(live_server).list_users() if user.email == "ann@example.com"]
    reset = post_form(admin, f"/users/{ann_user.id}", f"/users/{ann_user.id}/password",
                      {"password": "a brand new one", "password_confirm": "a brand new one"})
    assert reset.status_code == 303
    assert ann.get("/account").status_code == 303  # back to the login page
    assert admin.get("/account").status_code == 200
    ann.close()
    admin.close()


def test_the_login_page_does_not_tell_which_users_exist(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        token = csrf_of(client.get("/login").text)
        answers = []
        for email in ("admin@example.com", "nobody@example.com"):
            response = client.post("/login", data={"email": email, "password": "wrong password", "csrf_token": token})
            body = response.text.replace(email, "EMAIL")
            answers.append((response.status_code, body))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
