"""Matomo tracking through real HTTP: uvicorn on a free port, rows read back from chdb."""

from __future__ import annotations

from tests.support import CHROME_UA, FIREFOX_UA, LiveServer


def test_pageview_is_stored_with_every_field(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    with live_server.client() as client:
        response = client.get(
            "/matomo.php",
            params={
                "idsite": site.id,
                "rec": "1",
                "url": "https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&email=a@b.c#top",
                "action_name": "Pricing",
                "urlref": "https://www.google.com/search?q=analytics",
                "_id": "0123456789abcdef",
                "res": "1920x1080",
                "lang": "de-DE,de;q=0.9",
                "pv_id": "abc123",
                "dimension1": "premium",
                "send_image": "0",
            },
            headers={"User-Agent": CHROME_UA},
        )
    assert response.status_code == 204
    assert "x-footfall-dropped" not in response.headers
    [row] = live_server.rows()
    assert row["site_id"] == site.id
    assert row["event_type"] == "pageview"
    assert row["url"] == "https://www.example.com/pricing?utm_source=newsletter&utm_medium=email"
    assert row["hostname"] == "www.example.com"
    assert row["pathname"] == "/pricing"
    assert row["title"] == "Pricing"
    assert row["referrer"] == "google.com/search"
    assert row["referrer_type"] == "campaign"
    assert row["utm_source"] == "newsletter"
    assert row["utm_medium"] == "email"
    assert row["pageview_id"] == "abc123"
    assert row["screen_size"] == "1920x1080"
    assert row["language"] == "de-de"
    assert row["props"] == {"dimension1": "premium"}
    assert row["browser"] == "Chrome"
    assert row["os"] == "Windows"
    assert row["device_type"] == "desktop"
    assert row["visitor_id"] != 0
    assert row["ip_truncated"] == ""


def test_bulk_request_keeps_good_hits_and_reports_bad_ones(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    body = {
        "requests": [
            f"?idsite={site.id}&rec=1&url=https://example.com/a&action_name=A",
            f"?idsite={site.id}&rec=1&url=https://example.com/a&e_c=Video&e_a=Play&e_n=Intro&e_v=12.5",
            "?idsite=999&rec=1&url=https://example.com/x",
            f"?idsite={site.id}&rec=1&_id=nothex",
            12,
            f"?idsite={site.id}&rec=1&url=https://example.com/thanks&idgoal=3&revenue=49.90",
            f"?idsite={site.id}&rec=1&url=https://example.com/search&search=shoes&search_cat=Products&search_count=7",
            f"?idsite={site.id}&rec=1&url=https://example.com/a&link=https://other.org/page",
            f"?idsite={site.id}&rec=1&url=https://example.com/a&download=https://example.com/file.pdf",
        ]
    }
    with live_server.client() as client:
        response = client.post("/matomo.php", json=body, headers={"User-Agent": FIREFOX_UA})
    assert response.status_code == 200
    result = response.json()
    assert result["tracked"] == 6
    assert result["invalid_indices"] == [2, 3, 4]
    rows = {row["event_type"]: row for row in live_server.rows()}
    assert set(rows) == {"pageview", "event", "goal", "search", "outlink", "download"}
    assert (rows["event"]["event_category"], rows["event"]["event_action"], rows["event"]["event_name"]) == (
        "Video",
        "Play",
        "Intro",
    )
    assert rows["event"]["event_value"] == 12.5
    assert rows["goal"]["goal_id"] == 3
    assert rows["goal"]["revenue"] == 49.9
    assert (rows["search"]["search_keyword"], rows["search"]["search_category"], rows["search"]["search_count"]) == (
        "shoes",
        "Products",
        7,
    )
    assert rows["outlink"]["link_url"] == "https://other.org/page"
    assert rows["download"]["link_url"] == "https://example.com/file.pdf"
    visitors = {row["visitor_id"] for row in rows.values()}
    assert len(visitors) == 1  # same IP and UA, same day


def test_post_form_body_and_gif_answer(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    with live_server.client() as client:
        response = client.post(
            "/piwik.php",
            content=f"idsite={site.id}&rec=1&url=https%3A%2F%2Fexample.com%2Fform&action_name=Form",
            headers={"User-Agent": FIREFOX_UA, "Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    [row] = live_server.rows()
    assert row["pathname"] == "/form"


def test_malformed_and_unknown_hits_get_a_clean_answer(live_server: LiveServer) -> None:
    live_server.add_site("example.com")
    with live_server.client() as client:
        unknown = client.get("/matomo.php?idsite=42&rec=1&url=https://example.com/", headers={"User-Agent": FIREFOX_UA})
        broken = client.post("/matomo.php", content=b'{"requests": "nope"', headers={"User-Agent": FIREFOX_UA})
        huge = client.get("/matomo.php", params={"idsite": "1", "rec": "1", "url": "x" * 40000})
    assert unknown.status_code == 400
    assert unknown.headers["x-footfall-dropped"] == "unknown-site"
    assert broken.status_code == 400
    assert broken.headers["x-footfall-dropped"] == "malformed"
    assert huge.status_code == 400
    assert huge.headers["x-footfall-dropped"] == "too-large"
    for response in (unknown, broken, huge):
        assert "Traceback" not in response.text
    assert live_server.count() == 0


def test_plausible_event_api(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    with live_server.client() as client:
        pageview = client.post(
            "/api/event",
            content='{"n":"pageview","u":"https://example.com/blog?ref=hn","d":"example.com","r":"https://news.ycombinator.com/"}',
            headers={"User-Agent": CHROME_UA, "Content-Type": "text/plain"},
        )
        signup = client.post(
            "/api/event",
            json={
                "name": "Signup",
                "url": "https://example.com/join",
                "domain": "example.com",
                "props": {"plan": "pro"},
                "revenue": {"amount": "19.99", "currency": "EUR"},
            },
            headers={"User-Agent": CHROME_UA},
        )
        engagement = client.post(
            "/api/event",
            json={"n": "engagement", "u": "https://example.com/blog", "d": "example.com", "sd": 80, "e": 15000},
            headers={"User-Agent": CHROME_UA},
        )
    assert (pageview.status_code, signup.status_code, engagement.status_code) == (202, 202, 202)
    rows = {row["event_type"]: row for row in live_server.rows()}
    assert rows["pageview"]["referrer_type"] == "campaign"  # ?ref= is a campaign source
    assert rows["pageview"]["site_id"] == site.id
    assert rows["event"]["event_name"] == "Signup"
    assert rows["event"]["props"] == {"plan": "pro"}
    assert rows["event"]["revenue"] == 19.99
    assert rows["engagement"]["scroll_depth"] == 80
    assert rows["engagement"]["engagement_ms"] == 15000


def test_hits_of_one_visit_share_its_id_and_a_gap_starts_a_new_one(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    hits = [
        f"?idsite={site.id}&rec=1&url=https://example.com/{path}&cdt={cdt}&cip=198.51.100.9"
        for path, cdt in (("a", "2026-03-01 10:00:00"), ("b", "2026-03-01 10:20:00"), ("c", "2026-03-01 11:00:00"))
    ]
    with live_server.client() as client:
        response = client.post(
            "/matomo.php", json={"requests": hits, "token_auth": site.token_auth}, headers={"User-Agent": FIREFOX_UA}
        )
    assert response.json()["tracked"] == 3
    a, b, c = live_server.rows()
    assert a["visit_id"] == b["visit_id"] != c["visit_id"]
    assert a["visit_start"] == b["visit_start"] == a["timestamp"]
    assert c["visit_start"] == c["timestamp"]
