"""The local admin endpoint: CLI commands that touch data while ``footfall serve`` runs.

Embedded ClickHouse lets one process own the data directory, so a second
process (``footfall forget``, ``footfall export``) cannot open it while the
server runs.  On start the server writes a random token to
``<data_dir>/admin.token`` (mode 0600, readable only by the user who runs it)
and its own URL to ``<data_dir>/admin.url``; ``/admin/api/...`` then answers
requests that come from this machine and carry ``Authorization: Bearer <token>``.
Both files are removed on shutdown, and a new token is made on every start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import queue
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from footfall import deletion, export, retention
from footfall.app import demo
from footfall.settings import Settings, local_url

TOKEN_FILE = "admin.token"
URL_FILE = "admin.url"
PREFIX = "/admin/api"
DRAIN_SECONDS = 30.0

logger = logging.getLogger("footfall")

Handler = Callable[[Request], Awaitable[Response]]


# The server side
def write_credentials(data_dir: Path, url: str) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    token_path = data_dir / TOKEN_FILE
    token_path.unlink(missing_ok=True)
    descriptor = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token)
    (data_dir / URL_FILE).write_text(url + "\n", encoding="utf-8")
    return token


def remove_credentials(data_dir: Path, token: str) -> None:
    """Remove the files if they are still ours (not a newer server's)."""
    token_path = data_dir / TOKEN_FILE
    try:
        if token_path.read_text(encoding="utf-8").strip() != token:
            return
    except OSError:
        return
    token_path.unlink(missing_ok=True)
    (data_dir / URL_FILE).unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def credentials(app: Starlette, settings: Settings) -> AsyncIterator[None]:
    """Write the token and URL while the server runs (when ``admin_socket`` is on)."""
    if not settings.admin_socket:
        yield
        return
    token = write_credentials(settings.data_dir, local_url(settings.host, settings.port))
    app.state.admin_token = token
    try:
        yield
    finally:
        app.state.admin_token = None
        remove_credentials(settings.data_dir, token)


def _is_local(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        client = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if client.is_loopback:
        return True
    # A connection from this machine to one of its own addresses.
    server = request.scope.get("server")
    return bool(server) and request.client.host == server[0]


def guarded(handler: Handler) -> Handler:
    async def check(request: Request) -> Response:
        expected = getattr(request.app.state, "admin_token", None)
        if not expected:
            return JSONResponse({"error": "the admin endpoint is off"}, 404)
        if not _is_local(request):
            return JSONResponse({"error": "the admin endpoint answers local requests only"}, 403)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), expected.encode()):
            return JSONResponse(
                {"error": "a valid admin token is needed"}, 401, {"WWW-Authenticate": 'Bearer realm="footfall-admin"'}
            )
        return await handler(request)

    return check


async def ping(request: Request) -> Response:
    return JSONResponse({"status": "ok", "pid": os.getpid()})


async def forget(request: Request) -> Response:
    services = request.app.state.services
    try:
        visitor = deletion.Visitor.from_json(await request.json())
    except json.JSONDecodeError:
        return JSONResponse({"error": "expected a JSON body"}, 400)
    except deletion.ForgetError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    if services.sites.get(visitor.site_id) is None:
        return JSONResponse({"error": f"site {visitor.site_id} does not exist"}, 404)
    if not await services.writer.drain(DRAIN_SECONDS):
        return JSONResponse({"error": "storage is behind; try again shortly"}, 503, {"Retry-After": "10"})
    done = await asyncio.to_thread(deletion.forget, services.storage, services.secret.encode(), visitor)
    return JSONResponse({"deleted": done.deleted, "visitor_ids": done.visitor_ids})


async def export_events(request: Request) -> Response:
    services = request.app.state.services
    query = request.query_params
    try:
        site_id = int(query.get("site_id", "0"))
    except ValueError:
        return JSONResponse({"error": "site_id must be a whole number"}, 400)
    site = services.sites.get(site_id)
    if site is None:
        return JSONResponse({"error": f"site {site_id} does not exist"}, 404)
    try:
        span = export.window(
            site.timezone, export.parse_day(query.get("from"), "from"), export.parse_day(query.get("to"), "to")
        )
    except export.ExportError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    await services.writer.drain(DRAIN_SECONDS)
    total = await asyncio.to_thread(export.count, services.storage, site_id, span)
    # JSON lines here; the CLI writes the format the user asked for.
    body = export.jsonl_lines(export.rows(services.storage, site_id, span))
    return StreamingResponse(
        body, media_type="application/x-ndjson", headers={"X-Footfall-Rows": str(total), "Cache-Control": "no-store"}
    )


async def enforce_retention(request: Request) -> Response:
    services = request.app.state.services
    await services.writer.drain(DRAIN_SECONDS)
    deleted = await asyncio.to_thread(
        retention.enforce, services.storage, services.sites.list(), services.settings.retention_days
    )
    return JSONResponse({"deleted": {str(site_id): count for site_id, count in deleted.items()}})


async def site_check(request: Request) -> Response:
    """Whether a site has data and why its hits were refused lately (``footfall site check``)."""
    from dashboard import onboarding
    from footfall.metadata.hosts_seen import HostsSeen

    services = request.app.state.services
    try:
        site_id = int(request.query_params.get("site_id", "0"))
    except ValueError:
        return JSONResponse({"error": "site_id must be a whole number"}, 400)
    site = services.sites.get(site_id)
    if site is None:
        return JSONResponse({"error": f"site {site_id} does not exist"}, 404)
    await services.writer.drain(DRAIN_SECONDS)
    await asyncio.to_thread(services.writer.flush_drops)
    hosts = HostsSeen(services.db).list(site_id)
    return JSONResponse(await asyncio.to_thread(onboarding.check, services.storage, site, hosts))


async def delete_site(request: Request) -> Response:
    """Delete a site and its events (``footfall site delete``), after storing what the spool holds for it."""
    services = request.app.state.services
    try:
        site_id = int((await request.json()).get("site_id", 0))
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        return JSONResponse({"error": "expected a JSON object with site_id"}, 400)
    if services.sites.get(site_id) is None:
        return JSONResponse({"error": f"site {site_id} does not exist"}, 404)
    services.sites.delete(site_id)  # from now on its hits are refused; those in the spool are stored first
    await services.writer.drain(DRAIN_SECONDS)
    deleted = await asyncio.to_thread(deletion.delete_site_data, services.storage, site_id)
    return JSONResponse({"deleted": deleted})


async def demo_data(request: Request) -> Response:
    """Load the demo data inside the server (which owns the data); the answer streams progress as JSON lines."""
    services = request.app.state.services
    try:
        body = await request.json()
        options = {"days": int(body.get("days", 30)), "visits": int(body.get("visits", 3000)),
                   "email": str(body.get("email", demo.DEMO_EMAIL)), "password": str(body.get("password", "")),
                   "force": bool(body.get("force", False)), "url": str(body.get("url", ""))}
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        return JSONResponse({"error": "expected a JSON object with days, visits, email, password, force, url"}, 400)
    lines: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def work() -> None:
        try:
            result = demo.load(services, progress=lambda text: lines.put({"progress": text}), **options)
            lines.put({"result": result.to_json()})
        except demo.DemoError as exc:
            lines.put({"error": str(exc)})
        except Exception as exc:
            logger.exception("the demo failed")
            lines.put({"error": f"the demo failed ({type(exc).__name__}); nothing was kept. See the server's log."})
        finally:
            lines.put(None)

    async def stream() -> AsyncIterator[bytes]:
        task = asyncio.ensure_future(asyncio.to_thread(work))
        while True:
            try:
                item = lines.get_nowait()
            except queue.Empty:
                await asyncio.sleep(0.05)
                continue
            if item is None:
                break
            yield (json.dumps(item) + "\n").encode()
        await task

    return StreamingResponse(stream(), media_type="application/x-ndjson", headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/ping", guarded(ping), methods=["GET"]),
        Route(f"{PREFIX}/forget", guarded(forget), methods=["POST"]),
        Route(f"{PREFIX}/export", guarded(export_events), methods=["GET"]),
        Route(f"{PREFIX}/retention", guarded(enforce_retention), methods=["POST"]),
        Route(f"{PREFIX}/demo", guarded(demo_data), methods=["POST"]),
        Route(f"{PREFIX}/site-check", guarded(site_check), methods=["GET"]),
        Route(f"{PREFIX}/site-delete", guarded(delete_site), methods=["POST"]),
    ]


# The client side, used by the CLI
class AdminError(RuntimeError):
    """The running server refused or failed a request; the message says why."""


class AdminClient:
    def __init__(self, url: str, token: str, timeout: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        # Never through an HTTP proxy from the environment: this is a local call carrying a secret.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @classmethod
    def discover(cls, data_dir: Path) -> AdminClient | None:
        """The running server's admin endpoint, if its files are there and it answers."""
        try:
            url = (data_dir / URL_FILE).read_text(encoding="utf-8").strip()
            token = (data_dir / TOKEN_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        client = cls(url, token)
        try:
            client._call("GET", "/ping", timeout=3)
        except (AdminError, OSError):
            return None
        return client

    def _request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None):
        url = self.url + PREFIX + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        return request

    def _open(self, request: urllib.request.Request, timeout: float | None = None):
        try:
            return self._opener.open(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", exc.reason)
            except (ValueError, AttributeError):
                message = exc.reason
            raise AdminError(f"the server answered {exc.code}: {message}") from None
        except urllib.error.URLError as exc:
            raise AdminError(f"cannot reach the server at {self.url}: {exc.reason}") from None

    def _call(self, method: str, path: str, body: Any = None, timeout: float | None = None) -> dict[str, Any]:
        with self._open(self._request(method, path, body), timeout) as response:
            return json.loads(response.read())

    def forget(self, visitor: deletion.Visitor) -> deletion.Forgotten:
        answer = self._call("POST", "/forget", visitor.to_json())
        return deletion.Forgotten(int(answer["deleted"]), int(answer["visitor_ids"]))

    @contextlib.contextmanager
    def export(self, site_id: int, date_from: str | None, date_to: str | None) -> Iterator[tuple[int, Iterator[dict]]]:
        """(total rows, the rows as dicts), streamed from the server."""
        request = self._request("GET", "/export", params={"site_id": site_id, "from": date_from, "to": date_to})
        with self._open(request) as response:
            total = int(response.headers.get("X-Footfall-Rows", "0"))
            yield total, (json.loads(line) for line in response if line.strip())

    def enforce_retention(self) -> dict[int, int]:
        answer = self._call("POST", "/retention", {})
        return {int(site_id): count for site_id, count in answer["deleted"].items()}

    def delete_site(self, site_id: int) -> int:
        return int(self._call("POST", "/site-delete", {"site_id": site_id})["deleted"])

    def site_check(self, site_id: int) -> dict[str, Any]:
        with self._open(self._request("GET", "/site-check", params={"site_id": site_id})) as response:
            return json.loads(response.read())

    def demo(self, options: dict[str, Any], progress: Callable[[str], None]) -> demo.DemoResult:
        """Run the demo in the server, reporting its progress; raises AdminError with the demo's message."""
        with self._open(self._request("POST", "/demo", options)) as response:
            for line in response:
                if not line.strip():
                    continue
                item = json.loads(line)
                if "progress" in item:
                    progress(item["progress"])
                elif "error" in item:
                    raise AdminError(item["error"])
                elif "result" in item:
                    return demo.DemoResult.from_json(item["result"])
        raise AdminError("the server ended the demo without an answer; see its log")
