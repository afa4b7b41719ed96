"""Structured logging: one dictConfig, named loggers, JSON lines by default.

Logs never carry an IP, a User-Agent or a visitor ID: the collector logs no
per-hit lines at all, and uvicorn's access log (which would carry the client
address and the query string) is off.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import datetime, timezone
from typing import Any


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        # Exception types only: a traceback's locals and messages could echo request data.
        return f"  ({ei[0].__name__})" if ei and ei[0] else ""


def configure(level: str = "info", fmt: str = "json") -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "json": {"()": JsonFormatter},
                "text": {"()": TextFormatter},
            },
            "handlers": {
                "default": {"class": "logging.StreamHandler", "formatter": fmt, "stream": "ext://sys.stderr"},
            },
            "loggers": {
                "footfall": {"handlers": ["default"], "level": level.upper(), "propagate": False},
                "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"handlers": ["default"], "level": "INFO", "propagate": False},
                "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            },
            "root": {"handlers": ["default"], "level": "WARNING"},
        }
    )
