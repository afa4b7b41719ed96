"""The local admin endpoint: CLI commands that touch data while ``footfall serve`` runs.

Embedded ClickHouse lets one process own the data directory, so a second
process (``footfall forget``, ``footfall export``, ``footfall retention
--apply``, ``footfall token create``) cannot open it while the server runs.
The server therefore answers ``/admin/api/...`` on a listener of its own, never
on the public one: a Unix socket ``<data_dir>/admin.sock`` (mode 0600, in the
0700 data directory), or, where the path is too long for a socket, a
loopback-only TCP port.  ``<data_dir>/admin.url`` says which, and
``<data_dir>/admin.token`` (mode 0600) holds a random token that every request
carries as ``Authorization: Bearer <token>``.  Both files are removed on
shutdown, and a new token is made on every start.

Other commands use :meth:`AdminClient.discover` and :meth:`AdminClient.call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import ipaddress
import json
import logging
import os
import queue
import secrets
import socket
import urllib.parse
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from footfall import backup, deletion, export, plausible_import, retention
from footfall.app import demo, log_import
from footfall.forwarded import client_address
from footfall.metadata.privacy_log import PrivacyLog
from footfall.settings import Settings

logger = logging.getLogger("footfall")

TOKEN_FILE = "admin.token"
URL_FILE = "admin.url"
SOCKET_FILE = "admin.sock"
UNIX_SCHEME = "unix:"
PREFIX = "/admin/api"
DRAIN_SECONDS = 30.0
MAX_SOCKET_PATH = 100  # sun_path holds 104 to 108 bytes, depending on the system

Handler = Callable[[Request], Awaitable[Response]]


# The server side
def _bind(data_dir: Path) -> tuple[socket.socket, str]:
    """A listening socket only this user (Unix socket) or this machine (loopback port) can reach, and its address."""
    path = data_dir / SOCKET_FILE
    if hasattr(socket, "AF_UNIX") and len(os.fsencode(path.resolve())) <= MAX_SOCKET_PATH:
        path.unlink(missing_ok=True)  # left by a server that was killed
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        os.chmod(path, 0o600)  # before listen(): nobody can connect earlier
        sock.listen(128)
        return sock, UNIX_SCHEME + str(path.resolve())
    logger.warning("the data directory path is too long for a Unix socket; the admin endpoint listens on loopback")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


def write_credentials(data_dir: Path, address: str, token: str | None = None) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    token = token or secrets.token_urlsafe(32)
    token_path = data_dir / TOKEN_FILE
    token_path.unlink(missing_ok=True)
    descriptor = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token)
    url_path = data_dir / URL_FILE
    url_path.unlink(missing_ok=True)
    descriptor = os.open(url_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(address + "\n")
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
    (data_dir / SOCKET_FILE).unlink(missing_ok=True)


def admin_app(services: Any, token: str) -> Starlette:
    app = Starlette(routes=routes())
    app.state.services = services
    app.state.admin_token = token
    return app


@contextlib.asynccontextmanager
async def serving(services: Any, settings: Settings) -> AsyncIterator[str | None]:
    """Serve the admin endpoint on its own listener while the server runs (when ``admin_socket`` is on).

    Yields the listener's address (``unix:/path`` or a loopback URL), or None when off.
    """
    if not settings.admin_socket:
        yield None
        return
    token = secrets.token_urlsafe(32)
    app = admin_app(services, token)
    sock, address = _bind(settings.data_dir)
    config = uvicorn.Config(
        app, lifespan="off", log_config=None, access_log=False, proxy_headers=False, server_header=False,
        timeout_graceful_shutdown=5,
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    write_credentials(settings.data_dir, address, token)
    try:
        yield address
    finally:
        remove_credentials(settings.data_dir, token)
        app.state.admin_token = None
        await server.shutdown(sockets=[sock])


def _is_local(request: Request) -> bool:
    """A Unix-socket peer, or a loopback one (behind a trusted proxy: the address it forwarded)."""
    if request.client is None or not request.client.host:
        return True  # a Unix-socket peer: the socket's mode (0600) already said who may connect
    services = getattr(request.app.state, "services", None)
    settings = services.settings if services is not None else Settings()
    try:
        client = ipaddress.ip_address(client_address(request, settings))
    except ValueError:
        return False
    return client.is_loopback


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
    """Alive, and the URL users reach this server at (for the CLI's snippets and links)."""
    services = getattr(request.app.state, "services", None)
    url = services.settings.base_url if services is not None else ""
    return JSONResponse({"status": "ok", "pid": os.getpid(), "url": url})


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
    done = await asyncio.to_thread(
        deletion.forget, services.storage, services.secret.encode(), visitor, PrivacyLog(services.db)
    )
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
        retention.enforce,
        services.storage,
        services.sites.list(),
        services.settings.retention_days,
        PrivacyLog(services.db),
    )
    return JSONResponse({"deleted": {str(site_id): count for site_id, count in deleted.items()}})


async def archive(request: Request) -> Response:
    """One archiving round for every site, now (``footfall archive``), after the hits in memory are stored."""
    from dashboard.stats import archiver

    services = request.app.state.services
    await services.writer.drain(DRAIN_SECONDS)
    rounds = await asyncio.to_thread(
        archiver.refresh_sites, services.storage, services.sites.list(),
        timeout_minutes=services.settings.visit_timeout_minutes,
    )
    return JSONResponse({str(site_id): archiver.round_to_json(done) for site_id, done in rounds.items()})


async def retention_expiries(request: Request) -> Response:
    services = request.app.state.services
    found = await asyncio.to_thread(
        retention.expiries, services.storage, services.sites.list(), services.settings.retention_days
    )
    return JSONResponse({"sites": [retention.expiry_to_json(expiry) for expiry in found]})


async def make_backup(request: Request) -> Response:
    services = request.app.state.services
    try:
        dest = backup.check_destination(Path(str((await request.json()).get("dest", ""))))
    except (json.JSONDecodeError, AttributeError):
        return JSONResponse({"error": "expected a JSON body with dest"}, 400)
    except backup.BackupError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    # Every hit acknowledged so far goes into the backup.
    if not await services.writer.drain(DRAIN_SECONDS):
        return JSONResponse({"error": "storage is behind; try again shortly"}, 503, {"Retry-After": "10"})
    try:
        manifest = await asyncio.to_thread(backup.create, services.storage, services.db, dest)
    except (backup.BackupError, OSError) as exc:
        return JSONResponse({"error": str(exc)}, 400)
    return JSONResponse(manifest.to_json())


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


async def site_check(request: Request) -> Response:
    """Whether a site has data and why its hits were refused lately (``footfall site check``)."""
    from dashboard import onboarding
    from footfall.metadata.hosts_seen import HostsSeen

    services = request.app.state.services
    site, refused = _site_of(request)
    if refused is not None:
        return refused
    await services.writer.drain(DRAIN_SECONDS)
    await asyncio.to_thread(services.writer.flush_drops)
    hosts = HostsSeen(services.db).list(site.id)
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
        Route(f"{PREFIX}/import/logs", guarded(import_logs), methods=["POST"]),
        Route(f"{PREFIX}/export/plausible", guarded(export_plausible), methods=["GET"]),
        Route(f"{PREFIX}/imports", guarded(aggregate_imports), methods=["GET", "POST"]),
        Route(f"{PREFIX}/imports/{{import_id:int}}", guarded(delete_aggregate_import), methods=["DELETE"]),
        Route(f"{PREFIX}/forget", guarded(forget), methods=["POST"]),
        Route(f"{PREFIX}/export", guarded(export_events), methods=["GET"]),
        Route(f"{PREFIX}/retention", guarded(enforce_retention), methods=["POST"]),
        Route(f"{PREFIX}/archive", guarded(archive), methods=["POST"]),
        Route(f"{PREFIX}/retention", guarded(retention_expiries), methods=["GET"]),
        Route(f"{PREFIX}/backup", guarded(make_backup), methods=["POST"]),
        Route(f"{PREFIX}/demo", guarded(demo_data), methods=["POST"]),
        Route(f"{PREFIX}/site-check", guarded(site_check), methods=["GET"]),
        Route(f"{PREFIX}/site-delete", guarded(delete_site), methods=["POST"]),
    ]


# The client side, used by the CLI
class AdminError(RuntimeError):
    """The running server refused or failed a request; the message says why."""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class AdminClient:
    """Calls the running server's admin endpoint: ``AdminClient.discover(data_dir).call("GET", "/ping")``."""

    def __init__(self, address: str, token: str, timeout: float = 600.0) -> None:
        self.address = address.strip().rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def discover(cls, data_dir: Path) -> AdminClient | None:
        """The running server's admin endpoint, if its files are there and it answers."""
        try:
            address = (data_dir / URL_FILE).read_text(encoding="utf-8").strip()
            token = (data_dir / TOKEN_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        client = cls(address, token)
        try:
            client.call("GET", "/ping", timeout=3)
        except (AdminError, OSError):
            return None
        return client

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        # Never through an HTTP proxy from the environment: this is a local call carrying a secret.
        if self.address.startswith(UNIX_SCHEME):
            return _UnixConnection(self.address[len(UNIX_SCHEME):], timeout)
        parts = urllib.parse.urlsplit(self.address)
        return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)

    @contextlib.contextmanager
    def open(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
        timeout: float | None = None, content: bytes | None = None, content_type: str = "",
    ) -> Iterator[http.client.HTTPResponse]:
        """The response to one request (status < 400), to read or stream; AdminError otherwise.

        ``body`` is sent as JSON; ``content`` as raw bytes of ``content_type``.
        """
        target = PREFIX + path
        if params:
            target += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
        data = json.dumps(body).encode() if body is not None else content
        headers = {"Authorization": f"Bearer {self.token}", "Host": "localhost"}
        if data is not None:
            headers["Content-Type"] = content_type if content is not None and body is None else "application/json"
        connection = self._connection(timeout or self.timeout)
        try:
            try:
                connection.request(method, target, body=data, headers=headers)
                response = connection.getresponse()
            except OSError as exc:
                raise AdminError(f"cannot reach the server at {self.address}: {exc.strerror or exc}") from None
            if response.status >= 400:
                try:
                    message = json.loads(response.read()).get("error", response.reason)
                except (ValueError, AttributeError):
                    message = response.reason
                raise AdminError(f"the server answered {response.status}: {message}")
            yield response
        finally:
            connection.close()

    def call(self, method: str, path: str, body: Any = None, timeout: float | None = None,
             params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request whose answer is a JSON object."""
        with self.open(method, path, body, params, timeout) as response:
            return json.loads(response.read())

    def forget(self, visitor: deletion.Visitor) -> deletion.Forgotten:
        answer = self.call("POST", "/forget", visitor.to_json())
        return deletion.Forgotten(int(answer["deleted"]), int(answer["visitor_ids"]))

    @contextlib.contextmanager
    def export(self, site_id: int, date_from: str | None, date_to: str | None) -> Iterator[tuple[int, Iterator[dict]]]:
        """(total rows, the rows as dicts), streamed from the server."""
        with self.open("GET", "/export", params={"site_id": site_id, "from": date_from, "to": date_to}) as response:
            total = int(response.headers.get("X-Footfall-Rows", "0"))
            yield total, (json.loads(line) for line in response if line.strip())

    def retention_expiries(self) -> list[retention.Expiry]:
        answer = self.call("GET", "/retention")
        return [retention.expiry_from_json(item) for item in answer["sites"]]

    def backup(self, dest: Path) -> backup.Manifest:
        return backup.Manifest.from_json(self.call("POST", "/backup", {"dest": str(dest)}))

    def import_log_chunk(
        self, log_key: str, chunk: int, lines: list[str], fmt: str, routing: log_import.Routing
    ) -> log_import.Tally:
        answer = self.call("POST", "/import/logs", {
            "log_key": log_key, "chunk": chunk, "lines": lines, "format": fmt, "routing": routing.to_json(),
        })
        return log_import.Tally.from_json(answer)

    def export_plausible(self, site_id: int, date_from: str | None, date_to: str | None) -> bytes:
        params = {"site_id": site_id, "from": date_from, "to": date_to}
        with self.open("GET", "/export/plausible", params=params) as response:
            return response.read()

    def import_plausible(self, site_id: int, data: bytes, label: str = "") -> dict[str, Any]:
        with self.open("POST", "/imports", params={"site_id": site_id, "label": label}, content=data,
                       content_type="application/zip") as response:
            return json.loads(response.read())

    def list_imports(self, site_id: int) -> list[dict[str, Any]]:
        with self.open("GET", "/imports", params={"site_id": site_id}) as response:
            return json.loads(response.read())

    def delete_import(self, site_id: int, import_id: int) -> dict[str, Any]:
        return self.call("DELETE", f"/imports/{import_id}", params={"site_id": site_id})

    def enforce_retention(self) -> dict[int, int]:
        answer = self.call("POST", "/retention", {})
        return {int(site_id): count for site_id, count in answer["deleted"].items()}

    def archive(self) -> dict[int, dict[str, Any]]:
        answer = self.call("POST", "/archive", {}, timeout=3600)
        return {int(site_id): done for site_id, done in answer.items()}

    def server_url(self) -> str:
        """The URL users reach the running server at (its public_url, else the host and port it serves)."""
        return str(self.call("GET", "/ping", timeout=3).get("url", ""))

    def site_check(self, site_id: int) -> dict[str, Any]:
        return self.call("GET", "/site-check", params={"site_id": site_id})

    def delete_site(self, site_id: int) -> int:
        return int(self.call("POST", "/site-delete", {"site_id": site_id})["deleted"])

    def demo(self, options: dict[str, Any], progress: Callable[[str], None]) -> demo.DemoResult:
        """Run the demo in the server, reporting its progress; raises AdminError with the demo's message."""
        with self.open("POST", "/demo", options) as response:
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
