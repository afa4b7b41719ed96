"""Build the wheel, install it into a fresh virtualenv outside the source tree, and try it as a user would.

``footfall migrate`` must create the tables, ``footfall serve`` must answer the tracking endpoints, the scripts,
the opt-out page, the login page and its assets, and an installation without its migrations must refuse to start.
Run from anywhere: ``python3 scripts/wheel_smoke.py``. Exit status 0 when everything holds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
TRACKING = "/matomo.php?idsite=1&rec=1&url=https%3A%2F%2Fexample.com%2Fhello&action_name=Hello&send_image=0"
PAGES = {
    "/footfall.js": "javascript",
    "/matomo.js": "javascript",
    "/optout.js": "javascript",
    "/optout": "text/html",
    "/login": "text/html",
}


class SmokeFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def step(text: str) -> None:
    print(f"wheel smoke: {text}", flush=True)


def clean_env() -> dict[str, str]:
    """The environment without anything that would point Python back at the source tree."""
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not key.startswith("FOOTFALL_")}


def run(command: list[str], cwd: Path, check_status: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    if check_status and result.returncode != 0:
        raise SmokeFailure(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def build_wheel(work: Path) -> Path:
    # From a clean copy: a build/ folder left in the tree would put modules that no longer exist into the wheel.
    source = work / "source"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", "footfall-data", "test-artifacts",
        ".hypothesis", ".pytest_cache", "results"))
    dist = work / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(dist),
         str(source)], cwd=work)
    wheels = list(dist.glob("footfall-*.whl"))
    check(len(wheels) == 1, f"expected one wheel in {dist}, found {wheels}")
    return wheels[0]


def install(wheel: Path, work: Path) -> Path:
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    # The versions this machine runs (and tests) with, so the wheel is tried against the same libraries.
    frozen = run([sys.executable, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"], cwd=work)
    constraints = work / "constraints.txt"
    constraints.write_text("\n".join(line for line in frozen.stdout.splitlines()
                                     if "==" in line and not line.lower().startswith(("footfall==", "pip==",
                                                                                      "setuptools=="))) + "\n")
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-c", str(constraints), str(wheel)], cwd=work)
    return venv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER})  # not dropped as a bot
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def get(url: str) -> tuple[int, str, bytes]:
    status, headers, body = fetch(url)
    return status, headers.get("content-type", ""), body


def tables(venv: Path, data_dir: Path, cwd: Path) -> set[str]:
    code = (
        "import json, sys\n"
        "from footfall.storage.clickhouse import Storage\n"
        "storage = Storage('chdb://' + sys.argv[1])\n"
        "print(json.dumps([row[0] for row in storage.query("
        "'SELECT name FROM system.tables WHERE database = currentDatabase()')]))\n"
        "storage.close()\n"
    )
    result = run([str(venv / "bin" / "python"), "-c", code, str(data_dir / "clickhouse")], cwd=cwd)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def expected_tables() -> set[str]:
    names = set()
    for path in sorted((SOURCE / "sql").glob("*.sql")):
        names.update(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", path.read_text(), re.IGNORECASE))
    return names | {"schema_migrations"}


def serve_and_probe(footfall: Path, cwd: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (cwd / "serve.log").open("w")
    server = subprocess.Popen([str(footfall), "serve", "--port", str(port), "--data-dir", "data"], cwd=cwd,
                              env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            check(server.poll() is None, f"footfall serve exited {server.returncode}:\n{(cwd / 'serve.log').read_text()}")
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            check(time.monotonic() < deadline, "footfall serve did not answer /healthz within 90 s")
            time.sleep(0.2)
        status, headers, body = fetch(base + TRACKING)
        check(status in (200, 204), f"/matomo.php answered {status}: {body[:200]!r}")
        check("x-footfall-dropped" not in headers, f"/matomo.php dropped the hit: {headers.get('x-footfall-dropped')}")
        for path, kind in PAGES.items():
            status, content_type, body = get(base + path)
            check(status == 200 and kind in content_type and body, f"{path} answered {status} {content_type}")
        _, _, login = get(base + "/login")
        assets = sorted(set(re.findall(r'(?:href|src)="(/assets/[^"?#]+)', login.decode())))
        check(bool(assets), "the login page links no /assets/ file")
        for asset in assets:
            status, content_type, body = get(base + asset)
            check(status == 200 and body, f"{asset} (linked from /login) answered {status}")
        step(f"serve answered /matomo.php, {', '.join(PAGES)} and {len(assets)} login asset(s)")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="footfall-wheel-"))
    try:
        step("building the wheel")
        wheel = build_wheel(work)
        step(f"{wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB; installing into a fresh virtualenv")
        venv = install(wheel, work)
        footfall = venv / "bin" / "footfall"
        home = work / "elsewhere"
        home.mkdir()

        result = run([str(footfall), "migrate", "--data-dir", "data"], cwd=home)
        check("Applied" in result.stdout, f"footfall migrate applied nothing: {result.stdout}")
        found, wanted = tables(venv, home / "data", home), expected_tables()
        check(wanted <= found, f"footfall migrate did not create {sorted(wanted - found)}")
        step(f"migrate created {', '.join(sorted(wanted))}")

        run([str(footfall), "site", "add", "--domain", "example.com", "--data-dir", "data"], cwd=home)
        serve_and_probe(footfall, home)
        exported = run([str(footfall), "export", "--site", "1", "--format", "jsonl", "--data-dir", "data"], cwd=home)
        rows = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
        check(len(rows) == 1 and rows[0]["pathname"] == "/hello", f"expected the one tracked hit, got {rows}")
        step("the tracked hit was stored and exported")

        # An installation that lost its migrations must say so, never "up to date".
        site_packages = next((venv / "lib").glob("python3*/site-packages"))
        shutil.rmtree(site_packages / "footfall" / "sql")
        for command in (["migrate", "--data-dir", "fresh"], ["serve", "--data-dir", "fresh", "--port", str(free_port())]):
            result = run([str(footfall), *command], cwd=home, check_status=False, timeout=120)
            check(result.returncode != 0 and "migrations not found" in result.stderr,
                  f"footfall {command[0]} without migrations: exit {result.returncode}\n{result.stdout}{result.stderr}")
        step("without its migrations, migrate and serve stop with a clear error")
    except SmokeFailure as failure:
        print(f"wheel smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    step("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
