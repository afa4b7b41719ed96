from __future__ import annotations

from tests.support import LiveServer


def test_chromium_loads_a_page_from_the_server(live_server: LiveServer, context: object) -> None:
    page = context.new_page()  # type: ignore[attr-defined]
    response = page.goto(live_server.url + "/healthz")
    assert response.status == 200
    assert '"status":"ok"' in page.content().replace(" ", "")
