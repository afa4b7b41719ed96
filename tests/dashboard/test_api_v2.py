"""POST /api/v2/query through a real server: auth, site access, errors and the response shape."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dashboard.accounts import Accounts
from tests.support import CHROME_UA, LiveServer


def _setup(server: LiveServer):
    accounts = Accounts(server.services.db)
    site_a = server.add_site("a.example", timezone="Europe/Berlin")
    site_b = server.add_site("b.example")
    admin = accounts.create_user("admin@example.com", "correct horse", is_admin=True)
    viewer = accounts.create_user("viewer@example.com", "correct horse")
    accounts.grant(viewer.id, site_a.id)
    return site_a, site_b, accounts.create_api_token(admin.id), accounts.create_api_token(viewer.id)


def _send(server: LiveServer, site, when: datetime, path: str, ip: str, **extra: str) -> None:
    params = {"idsite": str(site.id), "rec": "1", "url": f"https://{site.primary_domain}{path}", "cip": ip,
              "cdt": str(int(when.timestamp())), "token_auth": site.token_auth, "ua": CHROME_UA, **extra}
    with server.client() as client:
        assert client.get("/matomo.php", params=params).status_code == 200


def post(server: LiveServer, token: str | None, body: object):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with server.client() as client:
        return client.post("/api/v2/query", json=body, headers=headers)


def test_query_answers_plausible_shape_with_real_numbers(live_server: LiveServer) -> None:
    site_a, _, admin_token, _ = _setup(live_server)
    when = datetime.now(timezone.utc) - timedelta(days=2)
    _send(live_server, site_a, when, "/", "10.0.0.1", country="de", urlref="https://www.google.com/")
    _send(live_server, site_a, when + timedelta(minutes=1), "/pricing", "10.0.0.1")
    _send(live_server, site_a, when, "/", "10.0.0.2", country="fr")
    live_server.flush()

    response = post(live_server, admin_token, {
        "site_id": "a.example", "metrics": ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"],
        "date_range": "7d",
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["results"] == [{"dimensions": [], "metrics": [2, 2, 3, 50, 30]}]
    assert body["query"]["site_id"] == "a.example"
    assert body["query"]["metrics"] == ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"]
    assert body["meta"] == {}

    response = post(live_server, admin_token, {
        "site_id": "a.example", "metrics": ["visitors", "percentage"], "date_range": "30d",
        "dimensions": ["visit:country"], "filters": [["is_not", "visit:source", ["Google"]]],
        "include": {"total_rows": True},
    })
    body = response.json()
    assert body["results"] == [{"dimensions": ["FR"], "metrics": [1, 100.0]}]
    assert body["meta"]["total_rows"] == 1
    assert body["query"]["filters"] == [["is_not", "visit:source", ["Google"]]]

    response = post(live_server, admin_token, {
        "site_id": "a.example", "metrics": ["pageviews"], "date_range": "7d", "dimensions": ["event:page"],
        "order_by": [["pageviews", "asc"]],
    })
    assert response.json()["results"] == [
        {"dimensions": ["/pricing"], "metrics": [1]},
        {"dimensions": ["/"], "metrics": [2]},
    ]

    day = when.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).date().isoformat()
    response = post(live_server, admin_token, {
        "site_id": "a.example", "metrics": ["visitors"], "date_range": [day, day], "dimensions": ["time:day"],
        "include": {"time_labels": True},
    })
    body = response.json()
    assert body["results"] == [{"dimensions": [day], "metrics": [2]}]
    assert body["meta"]["time_labels"] == [day]


def test_without_or_with_a_bad_token_the_answer_is_401(live_server: LiveServer) -> None:
    _setup(live_server)
    body = {"site_id": "a.example", "metrics": ["visitors"], "date_range": "day"}
    assert post(live_server, None, body).status_code == 401
    assert post(live_server, "ff_not-a-token", body).status_code == 401
    with live_server.client() as client:
        response = client.post("/api/v2/query", json=body, headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "error" in response.json()


def test_a_viewer_of_one_site_gets_403_for_another(live_server: LiveServer) -> None:
    _, _, admin_token, viewer_token = _setup(live_server)
    body = {"metrics": ["visitors"], "date_range": "day"}
    assert post(live_server, viewer_token, {**body, "site_id": "a.example"}).status_code == 200
    assert post(live_server, viewer_token, {**body, "site_id": "b.example"}).status_code == 403
    # An unknown site looks the same to a viewer; an admin is told it does not exist.
    assert post(live_server, viewer_token, {**body, "site_id": "nowhere.example"}).status_code == 403
    assert post(live_server, admin_token, {**body, "site_id": "nowhere.example"}).status_code == 404
    assert post(live_server, admin_token, {**body, "site_id": "b.example"}).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metrics": ["visitors", "sessions"]}, "Unknown metric 'sessions'"),
        ({"metrics": []}, "metrics"),
        ({"dimensions": ["visit:shoe_size"]}, "unknown dimension 'visit:shoe_size'"),
        ({"date_range": "fortnight"}, "date_range"),
        ({"date_range": ["2024-02-30", "2024-03-01"]}, "not a date"),
        ({"date_range": ["2024-03-02", "2024-03-01"]}, "before the start"),
        ({"filters": [["equals", "visit:country", ["DE"]]]}, "Unknown operator for filter"),
        ({"filters": [["is", "visit:planet", ["Mars"]]]}, "unknown dimension 'visit:planet'"),
        ({"filters": [["matches", "event:page", ["(unclosed"]]]}, "regular expression"),
        ({"filters": [["is", "time:day", ["2024-01-01"]]]}, "cannot filter on time:day"),
        ({"order_by": [["bounce_rate", "desc"]]}, "order_by"),
        ({"pagination": {"limit": 0}}, "limit"),
        ({"include": {"time_labels": True}}, "time dimension"),
        ({"colour": "blue"}, "unknown key 'colour'"),
        ({"metrics": ["percentage"]}, "Metric `percentage`"),
    ],
)
def test_bad_queries_get_a_400_that_says_why(live_server: LiveServer, change: dict, message: str) -> None:
    _, _, admin_token, _ = _setup(live_server)
    body = {"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", **change}
    response = post(live_server, admin_token, body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


def test_not_json_is_a_400(live_server: LiveServer) -> None:
    _, _, admin_token, _ = _setup(live_server)
    with live_server.client() as client:
        response = client.post("/api/v2/query", content=b"{not json", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 400


def test_filter_values_are_bound_not_pasted(live_server: LiveServer) -> None:
    site_a, _, admin_token, _ = _setup(live_server)
    when = datetime.now(timezone.utc) - timedelta(days=1)
    _send(live_server, site_a, when, "/x'); DROP TABLE events; --", "10.0.0.9")
    live_server.flush()
    evil = "/x'); DROP TABLE events; --"
    response = post(live_server, admin_token, {
        "site_id": "a.example", "metrics": ["pageviews"], "date_range": "7d",
        "filters": [["is", "event:page", [evil]], ["contains", "event:props:k' OR 1=1 --", ["'"]]],
    })
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["metrics"] == [0]
    response = post(live_server, admin_token, {
        "site_id": "a.example", "metrics": ["pageviews"], "date_range": "7d", "dimensions": ["event:page"],
        "filters": [["is", "event:page", [evil]]],
    })
    assert response.json()["results"] == [{"dimensions": [evil], "metrics": [1]}]
    assert live_server.count() == 1


def test_the_query_schema_is_public_json(live_server: LiveServer) -> None:
    with live_server.client() as client:
        response = client.get("/api/docs/query/schema.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["required"] == ["site_id", "metrics", "date_range"]
    assert "has_done" in schema["definitions"]["filter_tree"]["oneOf"][3]["items"][0]["enum"]
