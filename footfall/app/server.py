"""Running the app under uvicorn: start-up checks that end in a sentence, and a word on what was flushed."""

from __future__ import annotations

import errno
import logging
import signal
import socket
from types import FrameType

import uvicorn

from footfall import http_limits, logs, permissions
from footfall.app import services as services_module
from footfall.app.asgi import create_app
from footfall.settings import Settings
from footfall.storage.clickhouse import DataDirLocked, StorageUnavailable

logger = logging.getLogger("footfall")


class StartupError(RuntimeError):
    """Footfall cannot start; the message says why and what to do."""


def uvicorn_config(settings: Settings, http: str = "auto",
                   services: services_module.Services | None = None) -> uvicorn.Config:
    """``http``: "auto" (httptools when installed), "httptools" or "h11"; each gets the same head limits."""
    return uvicorn.Config(
        create_app(settings, services=services),
        host=settings.host,
        port=settings.port,
        access_log=False,  # it would log client addresses and query strings
        log_config=None,
        lifespan="on",
        server_header=False,
        proxy_headers=False,  # footfall.forwarded reads them, from trusted proxies only
        **http_limits.server_options(settings, http),
        timeout_graceful_shutdown=30,
    )


def check_port(host: str, port: int) -> None:
    """Refuse a port another program listens on, before any data is opened."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(f"port {port} on {host} is in use by another program: stop it, or choose "
                                   "another port with --port (setting 'port')") from None
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror} (settings 'host' and 'port')") from None


def open_services(settings: Settings) -> services_module.Services:
    """The services, or a StartupError that names the data directory or the DSN (never its password)."""
    try:
        return services_module.build(settings)
    except DataDirLocked:
        raise StartupError(
            f"the data directory {settings.data_dir} is in use by another Footfall process (another `footfall serve`, "
            "or a command working on it). Stop that process, or give this server its own --data-dir."
        ) from None
    except StorageUnavailable as exc:
        raise StartupError(str(exc)) from None


def shutdown_report(services: services_module.Services, signal_number: int | None) -> str:
    writer = services.writer
    left = len(writer.spool.sealed())
    why = f"on {signal.Signals(signal_number).name}" if signal_number else ""
    rest = ("nothing is left in the spool" if not left else
            f"{left} spool segment(s) could not be stored yet; they are stored on the next start")
    return (f"Footfall stopped{' ' + why if why else ''}: {writer.stored_on_stop:,} hit(s) flushed to ClickHouse on "
            f"the way out ({writer.stored_rows:,} stored since start); {rest}.")


def run(settings: Settings) -> str:
    """Serve until stopped; return a sentence on what was flushed.  Raises StartupError when it cannot start."""
    uvicorn_config(settings)  # builds the app: missing files stop it here, before anything is opened or listens
    logs.configure(settings.log_level, settings.log_format)
    permissions.restrict_new_files()
    check_port(settings.host, settings.port)
    services = open_services(settings)
    try:
        config = uvicorn_config(settings, services=services)
        mode = "embedded ClickHouse at " + str(settings.data_dir) if settings.is_embedded else "ClickHouse server"
        logger.info("starting Footfall on http://%s:%d (%s)", settings.host, settings.port, mode)
        received: list[int] = []

        def remember(number: int, frame: FrameType | None) -> None:
            received.append(number)  # uvicorn re-raises the signal it shut down for; it was handled

        previous = {number: signal.signal(number, remember) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            uvicorn.Server(config).run()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        return shutdown_report(services, received[0] if received else None)
    finally:
        services.close()
