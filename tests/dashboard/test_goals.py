"""Named goals: the store and its validation, the settings page, and names in the dashboard and CSV."""

from __future__ import annotations

import csv
import html as html_module
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.goals import GoalError, GoalStore, page_regex
from footfall.metadata.db import Database
from footfall.metadata.sites import SiteStore
from tests.dashboard.web_client import accounts, add_user, kpi, login, post_form, track
from tests.support import CHROME_UA, FIREFOX_UA, IPHONE_UA, LiveServer


def field_error(page: str, element_id: str) -> str | None:
    match = re.search(r'<small class="error" id="' + re.escape(element_id) + r'" role="alert">([^<]*)</small>', page)
    return html_module.unescape(match.group(1)) if match else None


def test_page_patterns_match_whole_paths_with_star_wildcards() -> None:
    blog = re.compile(page_regex("/blog/*"))
    assert blog.fullmatch("/blog/") and blog.fullmatch("/blog/2024/post")
    assert not blog.fullmatch("/blog") and not blog.fullmatch("/blogs/x") and not blog.fullmatch("/en/blog/x")
    exact = re.compile(page_regex("/thank-you.html"))
    assert exact.fullmatch("/thank-you.html") and not exact.fullmatch("/thank-youXhtml")
    assert re.compile(page_regex("/a(b)+[c]?")).fullmatch("/a(b)+[c]?")  # regex characters are literal
    assert re.compile(page_regex("/*/checkout")).fullmatch("/de/shop/checkout")


def test_goal_store_validates_each_field() -> None:
    db = Database(":memory:")
    site = SiteStore(db).add("Shop", "shop.example")
    other_site = SiteStore(db).add("Blog", "blog.example")
    store = GoalStore(db)
    first = store.add(site.id, "Newsletter signup", goal_id=3)
    assert (first.goal_id, first.match_type, first.match_value) == (3, "manual", "")
    assert store.add(site.id, "Next one").goal_id == 4  # a blank id takes the next free one
    assert store.add(other_site.id, "Newsletter signup", goal_id=3).site_id == other_site.id  # ids are per site
    cases = [
        ({"name": "x", "goal_id": 3}, "goal_id: this site has a goal 3 already"),
        ({"name": "x", "goal_id": 0}, "goal_id: must be a whole number"),
        ({"name": "x", "goal_id": 2**32}, "goal_id: must be a whole number"),
        ({"name": "  "}, "name: must be 1 to 120 characters"),
        ({"name": "n" * 121}, "name: must be 1 to 120 characters"),
        ({"name": "NEWSLETTER  signup"}, "name: another goal of this site has this name"),
        ({"name": "x", "match_type": "regex", "match_value": ".*"}, "match_type: must be"),
        ({"name": "x", "match_type": "event", "match_value": ""}, "match_value: the event name"),
        ({"name": "x", "match_type": "page", "match_value": "pricing"}, "match_value: a path that starts with /"),
        ({"name": "x", "match_type": "page", "match_value": "/a b"}, "match_value: a path that starts with /"),
    ]
    for kwargs, message in cases:
        with pytest.raises(GoalError) as raised:
            store.add(site.id, **kwargs)
        assert str(raised.value).startswith(message), (kwargs, str(raised.value))
    store.add(site.id, "Signed up", match_type="event", match_value="Signup")
    with pytest.raises(GoalError, match="goal Signed up matches this already"):
        store.add(site.id, "Also signed up", match_type="event", match_value="Signup")
    manual = store.add(site.id, "Manual", match_type="manual", match_value="ignored")
    assert manual.match_value == ""
    assert [goal.goal_id for goal in store.list(site.id)] == [3, 4, 5, 6]
    store.delete(site.id, 4)
    assert store.get(site.id, 4) is None and store.get(other_site.id, 3) is not None
    db.close()


def test_goals_are_added_renamed_and_deleted_on_the_settings_page(live_server: LiveServer) -> None:
    site = live_server.add_site("shop.example")
    other = live_server.add_site("other.example")
    add_user(live_server, "admin@example.com", admin=True)
    owner = add_user(live_server, "owner@example.com")
    accounts(live_server).grant(owner.id, site.id, "admin")
    add_user(live_server, "viewer@example.com", sites=(site.id, other.id))
    settings = f"/sites/{site.id}/settings"
    client = login(live_server, "owner@example.com")
    store = GoalStore(live_server.services.db)

    page = client.get(settings).text
    assert 'id="goals"' in page and "No goals yet." in page
    added = post_form(client, settings, f"/sites/{site.id}/goals", {"goal_id": "3", "name": "Newsletter signup",
                                                                    "match_type": "manual", "match_value": ""})
    assert added.status_code == 303 and added.headers["location"] == f"{settings}#goals"
    page = client.get(settings).text
    assert "<code>3</code>" in page
    assert "_paq.push(['trackGoal', 3]);" in html_module.unescape(page)  # the id to use in the tracker

    invalid = post_form(client, settings, f"/sites/{site.id}/goals",
                        {"goal_id": "3", "name": "", "match_type": "page", "match_value": "pricing"})
    assert invalid.status_code == 422
    assert field_error(invalid.text, "e-goal-goal_id") == "this site has a goal 3 already"
    assert field_error(invalid.text, "e-goal-name") == "must be 1 to 120 characters"
    assert "starts with /" in field_error(invalid.text, "e-goal-match_value")
    assert 'value="pricing"' in invalid.text  # the typed values stay in the form
    assert [goal.goal_id for goal in store.list(site.id)] == [3]

    page_goal = post_form(client, settings, f"/sites/{site.id}/goals",
                          {"goal_id": "", "name": "Saw pricing", "match_type": "page", "match_value": "/pricing*"})
    assert page_goal.status_code == 303
    assert store.get(site.id, 4).match_value == "/pricing*"

    renamed = post_form(client, settings, f"/sites/{site.id}/goals/3",
                        {"name": "Subscribed", "match_type": "manual", "match_value": ""})
    assert renamed.status_code == 303 and store.get(site.id, 3).name == "Subscribed"
    clash = post_form(client, settings, f"/sites/{site.id}/goals/3",
                      {"name": "saw PRICING", "match_type": "manual", "match_value": ""})
    assert clash.status_code == 422
    assert field_error(clash.text, "e-goal-3-name") == "another goal of this site has this name"
    assert store.get(site.id, 3).name == "Subscribed"
    assert client.post(f"/sites/{site.id}/goals/99", data={"csrf_token": "x"}).status_code == 403  # CSRF first
    assert post_form(client, settings, f"/sites/{site.id}/goals/99", {"name": "x"}).status_code == 404

    deleted = post_form(client, settings, f"/sites/{site.id}/goals/4/delete", {})
    assert deleted.status_code == 303 and store.get(site.id, 4) is None

    # A site admin manages only their site's goals; a viewer none.
    assert post_form(client, settings, f"/sites/{other.id}/goals", {"name": "Nope"}).status_code == 403
    viewer = login(live_server, "viewer@example.com")
    assert viewer.get(settings).status_code == 403
    assert post_form(viewer, f"/sites/{site.id}", f"/sites/{site.id}/goals", {"name": "Nope"}).status_code == 403
    assert post_form(viewer, f"/sites/{site.id}", f"/sites/{site.id}/goals/3/delete", {}).status_code == 403
    assert [goal.name for goal in store.list(site.id)] == ["Subscribed"] and store.list(other.id) == []
    client.close()
    viewer.close()


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_dashboard_and_csv_show_goal_names(live_server: LiveServer) -> None:
    site = live_server.add_site("shop.example")
    t = site.token_auth
    url = "https://shop.example"
    # Visitor 1 subscribes (goal 3, with revenue) after the pricing page.
    track(live_server, site.id, t, ip="81.1.0.1", ua=CHROME_UA, url=f"{url}/pricing")
    track(live_server, site.id, t, ip="81.1.0.1", ua=CHROME_UA, url=f"{url}/pricing", idgoal="3", revenue="12.5")
    # Visitor 2 converts goal 4 (never named) and sends a custom event "Signup".
    track(live_server, site.id, t, ip="23.1.0.2", ua=FIREFOX_UA, url=f"{url}/blog/hello")
    track(live_server, site.id, t, ip="23.1.0.2", ua=FIREFOX_UA, url=f"{url}/blog/hello", idgoal="4")
    track(live_server, site.id, t, ip="23.1.0.2", ua=FIREFOX_UA, url=f"{url}/blog/hello", e_a="click", e_n="Signup")
    # Visitor 3 reads two blog pages and converts nothing else.
    track(live_server, site.id, t, ip="5.1.0.3", ua=IPHONE_UA, url=f"{url}/blog/a")
    track(live_server, site.id, t, ip="5.1.0.3", ua=IPHONE_UA, url=f"{url}/blog/b")
    track(live_server, site.id, t, ip="5.1.0.3", ua=IPHONE_UA, url=f"{url}/")
    assert live_server.count("event_type = 'goal'") == 2

    goals = GoalStore(live_server.services.db)
    goals.add(site.id, "Newsletter <b>subscription</b>", goal_id=3)
    goals.add(site.id, "Signed up", match_type="event", match_value="Signup", goal_id=7)
    goals.add(site.id, "Read the blog", match_type="page", match_value="/blog/*", goal_id=8)
    add_user(live_server, "viewer@example.com", sites=(site.id,))
    client = login(live_server, "viewer@example.com")

    rows = _csv(client.get(f"/sites/{site.id}/export/goals.csv?period=today"))
    assert rows[0] == ["Goal", "visitors", "events", "conversion_rate", "total_revenue"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name == {
        "Read the blog": ["2", "3", "66.67", "0.0"],  # visitors 2 and 3; three blog pageviews
        "Newsletter <b>subscription</b>": ["1", "1", "33.33", "12.5"],
        "Goal 4": ["1", "1", "33.33", "0.0"],  # no name defined: the id stays visible
        "Signed up": ["1", "1", "33.33", "0.0"],
    }
    assert rows[1][0] == "Read the blog"  # ordered by converting visitors

    dashboard = client.get(f"/sites/{site.id}?period=today")
    assert dashboard.status_code == 200
    page = dashboard.text
    card = page[page.index('id="card-goals"'):]
    card = card[: card.index("</section>")]
    assert "Newsletter &lt;b&gt;subscription&lt;/b&gt;" in card and "<b>subscription" not in card
    assert "Signed up" in card and "Read the blog" in card and "Goal 4" in card
    assert "Goal 3" not in card

    # Clicking a goal filters the dashboard; the chip shows the goal's name.
    links = dict(re.findall(r'<a href="([^"]+)" rel="nofollow">([^<]+)</a>', card))
    by_label = {html_module.unescape(label): html_module.unescape(href) for href, label in links.items()}
    named = by_label["Newsletter &lt;b&gt;subscription&lt;/b&gt;".replace("&lt;", "<").replace("&gt;", ">")]
    assert parse_qs(urlsplit(named).query)["f"] == ["event:goal,is,Goal 3"]
    filtered = client.get(named).text
    assert "Goal is Newsletter &lt;b&gt;subscription&lt;/b&gt;" in filtered
    blog_link = by_label["Read the blog"]
    assert parse_qs(urlsplit(blog_link).query)["f"] == ["event:page,matches," + page_regex("/blog/*")]
    blog_view = client.get(blog_link)
    assert blog_view.status_code == 200 and "Goal is Read the blog" in blog_view.text
    assert kpi(blog_view.text, "Visitors") == "2"

    full = client.get(f"/sites/{site.id}/reports/goals?period=today").text
    assert "Read the blog" in full and "Signed up" in full and "Goal 3" not in full
    client.close()

    # The stats API names goals the same way, and filters by those names.
    token = accounts(live_server).create_api_token(
        next(u.id for u in accounts(live_server).list_users() if u.email == "viewer@example.com"))
    with live_server.client() as api:
        def query(**extra: object) -> dict:
            body = {"site_id": "shop.example", "metrics": ["visitors"], "date_range": "day", **extra}
            response = api.post("/api/v2/query", json=body, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            return response.json()

        goals_by_name = {r["dimensions"][0]: r["metrics"][0] for r in query(dimensions=["event:goal"])["results"]}
        assert goals_by_name == {"Newsletter <b>subscription</b>": 1, "Goal 4": 1, "Signed up": 1}
        [converted] = query(filters=[["is", "event:goal", ["Newsletter <b>subscription</b>"]]])["results"]
        assert converted["metrics"] == [1]


def test_a_goal_tracked_by_id_is_named_from_the_dashboards_goals_card(live_server: LiveServer) -> None:
    site = live_server.add_site("shop.example", currency="EUR")
    track(live_server, site.id, site.token_auth, ip="81.1.0.1", ua=CHROME_UA, url="https://shop.example/thanks",
          idgoal="7", revenue="12.50")
    live_server.flush()
    add_user(live_server, "admin@example.com", admin=True)
    add_user(live_server, "viewer@example.com", sites=(site.id,))
    client = login(live_server, "admin@example.com")
    html = client.get(f"/sites/{site.id}?period=today").text
    assert ">Goal 7</a>" in html and "Name goal 7" in html and "Revenue (EUR)" in html
    named = post_form(client, f"/sites/{site.id}?period=today", f"/sites/{site.id}/goals",
                      {"goal_id": "7", "match_type": "manual", "name": "Order placed", "next": f"/sites/{site.id}"})
    assert named.status_code == 303 and named.headers["location"] == f"/sites/{site.id}#card-goals"
    html = client.get(f"/sites/{site.id}?period=today").text
    assert ">Order placed</a>" in html and "Name goal 7" not in html
    # A viewer sees the goal, not the form.
    track(live_server, site.id, site.token_auth, ip="81.1.0.2", ua=FIREFOX_UA, url="https://shop.example/x", idgoal="8")
    live_server.flush()
    viewer = login(live_server, "viewer@example.com").get(f"/sites/{site.id}?period=today").text
    assert ">Goal 8</a>" in viewer and "Name goal 8" not in viewer
