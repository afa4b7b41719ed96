"""docs/deployment.md as written: its nginx and Caddy snippets in front of a real ``footfall serve``, its systemd
unit's command and its settings file.

The proxies terminate TLS with a certificate made for the test, listen on 127.0.0.1 and reach Footfall on
127.0.0.1; the client connects from other loopback addresses (127.0.0.2, 127.0.0.3) so that the address
Footfall sees through ``trust_proxy_headers`` can be told apart from the proxy's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from footfall.app.services import open_metadata
from footfall.metadata.sites import SiteStore
from footfall.settings import load
from tests.support import FIREFOX_UA, ServerProcess, free_port, make_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
HOST = "analytics.example.com"
EXCLUDED, ALLOWED = "127.0.0.2", "127.0.0.3"


def snippet(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, f"expected one {language} block in {DOC}"
    return blocks[0]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture(scope="module")
def footfall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("deploy") / "data"
    db = open_metadata(make_settings(data))
    SiteStore(db).add("Example", ["example.com"], excluded_ips=EXCLUDED)
    db.close()
    server = ServerProcess(data, extra_env={"FOOTFALL_TRUST_PROXY_HEADERS": "true"}).start()
    yield server
    server.terminate()


def wait_for(port: int, process: subprocess.Popen, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the proxy exited {process.returncode}: {log()}")
        try:
            httpx.get(f"https://127.0.0.1:{port}/", verify=False, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the proxy did not listen on {port}: {log()}")


def nginx(folder: Path, upstream: int, cert: Path, key: Path) -> tuple[list[str], dict[str, str], int, int]:
    https, http = free_port(), free_port()
    site = snippet("nginx")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace(f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert))
    site = site.replace(f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key))
    temp = "\n".join(f"  {name}_temp_path {folder / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        + "events { worker_connections 64; }\n"
        + f"http {{\n  access_log off;\n{temp}\n{site}\n}}\n"
    )
    return ["nginx", "-c", str(conf), "-p", str(folder), "-g", "daemon off;"], {}, https, http


def caddy(folder: Path, upstream: int, cert: Path, key: Path) -> tuple[list[str], dict[str, str], int, int]:
    https, http = free_port(), free_port()
    site = snippet("caddy").replace("reverse_proxy 127.0.0.1:8000", f"reverse_proxy 127.0.0.1:{upstream}")
    site = site.replace(f"{HOST} {{\n", f"{HOST} {{\n\ttls {cert} {key}\n", 1)
    conf = folder / "Caddyfile"
    conf.write_text(f"{{\n\tadmin off\n\thttp_port {http}\n\thttps_port {https}\n\tdefault_sni {HOST}\n"
                    f"\tdefault_bind 127.0.0.1\n}}\n\n{site}")
    env = {"XDG_DATA_HOME": str(folder / "data"), "XDG_CONFIG_HOME": str(folder / "config"), "HOME": str(folder)}
    return ["caddy", "run", "--config", str(conf), "--adapter", "caddyfile"], env, https, http


@pytest.fixture(params=["nginx", "caddy"])
def proxy(request: pytest.FixtureRequest, footfall: ServerProcess, certificate: tuple[Path, Path],
          tmp_path: Path) -> Iterator[tuple[int, int]]:
    name = request.param
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (apt-get install -y {name}; .ci/run installs it)")
    build = nginx if name == "nginx" else caddy
    command, env, https, http = build(tmp_path, footfall.port, *certificate)
    log = tmp_path / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   env={**os.environ, **env}, cwd=tmp_path)
    try:
        wait_for(https, process, lambda: log.read_text() + (tmp_path / "error.log").read_text()
                 if (tmp_path / "error.log").exists() else log.read_text())
        yield https, http
    finally:
        process.terminate()
        process.wait(30)


def client(source: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source, verify=False), verify=False,
                        headers={"Host": HOST, "User-Agent": FIREFOX_UA}, timeout=15)


TRACK = "/matomo.php?idsite=1&rec=1&url=https%3A%2F%2Fexample.com%2Fbehind-proxy&send_image=0"


def test_the_proxy_terminates_tls_and_passes_the_client_address(proxy: tuple[int, int]) -> None:
    https, http = proxy
    base = f"https://127.0.0.1:{https}"
    with client(EXCLUDED) as excluded, client(ALLOWED) as allowed:
        # The site excludes 127.0.0.2: Footfall must see the visitor's address, not the proxy's 127.0.0.1.
        dropped = excluded.get(base + TRACK)
        assert dropped.status_code == 204 and dropped.headers.get("x-footfall-dropped") == "excluded-ip"
        kept = allowed.get(base + TRACK)
        assert kept.status_code == 204 and "x-footfall-dropped" not in kept.headers
        # A visitor cannot pick the address: the proxy replaces X-Forwarded-For.
        forged = allowed.get(base + TRACK, headers={"X-Forwarded-For": EXCLUDED, "X-Real-IP": EXCLUDED})
        assert "x-footfall-dropped" not in forged.headers
        # X-Forwarded-Proto: the opt-out page's cookie is Secure behind TLS.
        optout = allowed.get(base + "/optout?idsite=1")
        assert optout.status_code == 200 and "secure" in optout.headers.get("set-cookie", "").lower()


def test_the_tracking_paths_and_the_dashboard_go_through(proxy: tuple[int, int]) -> None:
    https, http = proxy
    base = f"https://127.0.0.1:{https}"
    with client(ALLOWED) as browser:
        for path in ("/footfall.js", "/matomo.js", "/piwik.js", "/optout.js"):
            answer = browser.get(base + path)
            assert answer.status_code == 200 and "javascript" in answer.headers["content-type"], path
        assert browser.get(base + TRACK.replace("matomo.php", "piwik.php")).status_code == 204
        bulk = browser.post(base + "/matomo.php", json={"requests": [TRACK.removeprefix("/matomo.php")] * 3})
        assert bulk.json()["tracked"] == 3
        event = browser.post(base + "/api/event", json={"n": "pageview", "u": "https://example.com/p", "d": "example.com"})
        assert event.status_code == 202
        login = browser.get(base + "/login")
        assert login.status_code == 200 and "Content-Security-Policy" in login.headers
        assert browser.get(base + "/healthz").json()["status"] == "ok"
        # The admin endpoint trusts local connections, and the proxy is one: it must not pass it on.
        assert browser.get(base + "/admin/api/ping").status_code == 404
        # Plain HTTP is sent to HTTPS.
        redirect = browser.get(f"http://127.0.0.1:{http}/login")
        assert redirect.status_code in (301, 308) and redirect.headers["location"].startswith(f"https://{HOST}")


def test_the_systemd_unit_and_the_settings_file_are_valid(tmp_path: Path) -> None:
    unit = snippet("ini")
    assert "\n[Service]\n" in unit and "\n[Install]\n" in unit
    command = re.search(r"^ExecStart=(\S+) (.+)$", unit, re.MULTILINE)
    assert command and command.group(1).endswith("/bin/footfall")
    arguments = command.group(2).split()
    help_text = subprocess.run([sys.executable, "-m", "footfall", *arguments, "--help"], capture_output=True,
                               text=True, timeout=60, check=True).stdout
    assert all(flag in help_text for flag in arguments if flag.startswith("--"))
    assert re.search(r"^Environment=FOOTFALL_CONFIG=(\S+)$", unit, re.MULTILINE)
    toml = tmp_path / "footfall.toml"
    toml.write_text(snippet("toml"))
    settings = load(config_file=toml, environ={})
    assert (settings.host, settings.trust_proxy_headers) == ("127.0.0.1", True)
