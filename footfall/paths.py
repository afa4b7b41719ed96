"""Where the files that ship beside the Python packages live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
STATIC_DIR = ROOT / "static"
