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
import io
import ipaddress
import json
import os
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

from footfall import deletion, export, plausible_import, retention
from footfall.app import log_import
from footfall.settings import Settings

TOKEN_FILE = "admin.token"
URL_FILE = "admin.url"
PREFIX = "/admin/api"
DRAIN_SECONDS = 30.0

Handler = Callable[[Request], Awaitable[Response]]


# The server side
def local_url(host: str, port: int) -> str:
    """The URL a process on this machine uses to reach a server listening on ``host``."""
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


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


async def import_logs(request: Request) -> Response:
    """One chunk of an access log, through this server's pipeline (``footfall import logs``)."""
    services = request.app.state.services
    try:
        data = await request.json()
        routing = log_import.Routing.from_json(data["routing"])
        lines = data["lines"]
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise log_import.LogImportError("lines must be a list of strings")
        tally = await log_import.import_chunk(
            services, str(data["log_key"]), int(data["chunk"]), lines, str(data["format"]), routing
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        message = str(exc) if isinstance(exc, log_import.LogImportError) else "expected a chunk of log lines"
        return JSONResponse({"error": message}, 400)
    return JSONResponse(tally.to_json())


def _site_of(request: Request):
    services = request.app.state.services
    try:
        site_id = int(request.query_params.get("site_id", "0"))
    except ValueError:
        return None, JSONResponse({"error": "site_id must be a whole number"}, 400)
    site = services.sites.get(site_id)
    if site is None:
        return None, JSONResponse({"error": f"site {site_id} does not exist"}, 404)
    return site, None


async def export_plausible(request: Request) -> Response:
    from dashboard import plausible_export

    services = request.app.state.services
    site, refused = _site_of(request)
    if refused is not None:
        return refused
    try:
        first = export.parse_day(request.query_params.get("from"), "from")
        last = export.parse_day(request.query_params.get("to"), "to")
    except export.ExportError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    await services.writer.drain(DRAIN_SECONDS)
    body = io.BytesIO()
    await asyncio.to_thread(plausible_export.write_zip, services.storage, site, body, first=first, last=last,
                            visit_timeout_minutes=services.settings.visit_timeout_minutes)
    return Response(body.getvalue(), media_type="application/zip", headers={"Cache-Control": "no-store"})


async def aggregate_imports(request: Request) -> Response:
    """GET: the site's imports; POST (a ZIP body): import Plausible's export."""
    from footfall.metadata.imports import AggregateImports

    services = request.app.state.services
    site, refused = _site_of(request)
    if refused is not None:
        return refused
    if request.method == "GET":
        return JSONResponse([item.to_json() for item in AggregateImports(services.db).list(site.id)])
    body = await request.body()
    try:
        report = await asyncio.to_thread(plausible_import.import_zip, services.storage, services.db, site.id,
                                         io.BytesIO(body), request.query_params.get("label", ""))
    except (plausible_import.PlausibleImportError, ValueError) as exc:
        return JSONResponse({"error": str(exc)}, 400)
    return JSONResponse(report.to_json())


async def delete_aggregate_import(request: Request) -> Response:
    services = request.app.state.services
    site, refused = _site_of(request)
    if refused is not None:
        return refused
    try:
        gone = await asyncio.to_thread(plausible_import.delete_import, services.storage, services.db, site.id,
                                       int(request.path_params["import_id"]))
    except plausible_import.PlausibleImportError as exc:
        return JSONResponse({"error": str(exc)}, 404)
    return JSONResponse(gone.to_json())


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/export/plausible", guarded(export_plausible), methods=["GET"]),
        Route(f"{PREFIX}/imports", guarded(aggregate_imports), methods=["GET", "POST"]),
        Route(f"{PREFIX}/imports/{{import_id:int}}", guarded(delete_aggregate_import), methods=["DELETE"]),
        Route(f"{PREFIX}/import/logs", guarded(import_logs), methods=["POST"]),
        Route(f"{PREFIX}/ping", guarded(ping), methods=["GET"]),
        Route(f"{PREFIX}/forget", guarded(forget), methods=["POST"]),
        Route(f"{PREFIX}/export", guarded(export_events), methods=["GET"]),
        Route(f"{PREFIX}/retention", guarded(enforce_retention), methods=["POST"]),
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

    def import_log_chunk(
        self, log_key: str, chunk: int, lines: list[str], fmt: str, routing: log_import.Routing
    ) -> log_import.Tally:
        answer = self._call("POST", "/import/logs", {
            "log_key": log_key, "chunk": chunk, "lines": lines, "format": fmt, "routing": routing.to_json(),
        })
        return log_import.Tally.from_json(answer)

    def export_plausible(self, site_id: int, date_from: str | None, date_to: str | None) -> bytes:
        request = self._request("GET", "/export/plausible", params={"site_id": site_id, "from": date_from,
                                                                    "to": date_to})
        with self._open(request) as response:
            return response.read()

    def import_plausible(self, site_id: int, data: bytes, label: str = "") -> dict[str, Any]:
        url = self.url + PREFIX + "/imports?" + urllib.parse.urlencode({"site_id": site_id, "label": label})
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/zip")
        with self._open(request) as response:
            return json.loads(response.read())

    def list_imports(self, site_id: int) -> list[dict[str, Any]]:
        with self._open(self._request("GET", "/imports", params={"site_id": site_id})) as response:
            return json.loads(response.read())

    def delete_import(self, site_id: int, import_id: int) -> dict[str, Any]:
        request = self._request("DELETE", f"/imports/{import_id}", params={"site_id": site_id})
        with self._open(request) as response:
            return json.loads(response.read())

    def enforce_retention(self) -> dict[int, int]:
        answer = self._call("POST", "/retention", {})
        return {int(site_id): count for site_id, count in answer["deleted"].items()}
