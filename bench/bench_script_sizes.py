"""Bytes on the wire for each script the collector serves, gzip and brotli, as served.

The baseline is the full-compatibility tracker (``/matomo.js``, the ``_paq``
queue), which ``/footfall.js`` was before it was split off: the ratio says what
the printed snippet saves.  Run: ``python -m bench.bench_script_sizes``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.testclient import TestClient

from bench.common import print_table, write_results
from footfall.app.asgi import create_app
from footfall.settings import load

SCRIPTS = ("/footfall.js", "/matomo.js", "/piwik.js", "/optout.js")
BASELINE = "/matomo.js"


def wire_bytes(client: TestClient, path: str, coding: str) -> int:
    with client.stream("GET", path, headers={"Accept-Encoding": coding}) as response:
        assert response.status_code == 200
        assert response.headers.get("content-encoding", "identity") == coding
        return len(b"".join(response.iter_raw()))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load(config_file=None, environ={}, overrides={"data_dir": Path(tmp), "geoip_path": "none",
                                                                   "dashboard": False, "admin_socket": False})
        with TestClient(create_app(settings)) as client:
            sizes = {path: {coding: wire_bytes(client, path, coding) for coding in ("identity", "gzip", "br")}
                     for path in SCRIPTS}
    base = sizes[BASELINE]
    rows = [
        [path, s["identity"], s["gzip"], s["br"], f"{s['gzip'] / base['gzip']:.2f}", f"{s['br'] / base['br']:.2f}"]
        for path, s in sizes.items()
    ]
    print_table("Scripts as served (bytes on the wire)", ["script", "plain", "gzip", "brotli", "gzip / matomo.js", "brotli / matomo.js"], rows)
    write_results("script_sizes", {"sizes": sizes, "baseline": BASELINE})


if __name__ == "__main__":
    main()
