"""Only the service user may read Footfall's data directory.

It holds the session-signing secret, password hashes, the daily salts, the
sites' ``token_auth`` and the admin token.  The directory (and the spool) are
created 0700 and the metadata file, its WAL and SHM files and the secrets
0600.  At start, anything wider is reported with the command that fixes it;
Footfall does not change modes an operator chose on purpose.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger("footfall")

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def restrict_new_files() -> None:
    """Files and directories this process creates from now on are its user's alone (umask 077)."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing directory keeps its mode."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 when it is missing (before SQLite or anyone else opens it)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return path
    os.close(descriptor)
    os.chmod(path, PRIVATE_FILE)  # whatever the umask
    return path


def restrict_sqlite_files(database: Path) -> None:
    """The WAL and SHM files take the database's mode; tighten ones a wider mode left behind."""
    for suffix in SQLITE_SIDE_FILES:
        side = database.with_name(database.name + suffix)
        if side.exists() and side.stat().st_uid == os.getuid() and side.stat().st_mode & 0o077:
            os.chmod(side, PRIVATE_FILE)


def too_wide(path: Path, allowed: int) -> int | None:
    """The mode of ``path`` when it grants more than ``allowed`` (group or others), else None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & ~allowed & 0o077 else None


def check(data_dir: Path, metadata_file: Path, spool_dir: Path) -> list[str]:
    """Warnings for every private path that others may read or enter; each says how to fix it."""
    candidates: list[tuple[Path, int]] = [(data_dir, PRIVATE_DIR), (spool_dir, PRIVATE_DIR)]
    candidates += [(metadata_file, PRIVATE_FILE)]
    candidates += [(metadata_file.with_name(metadata_file.name + s), PRIVATE_FILE) for s in SQLITE_SIDE_FILES]
    candidates += [(data_dir / name, PRIVATE_FILE) for name in ("admin.token",)]
    warnings = []
    for path, allowed in candidates:
        mode = too_wide(path, allowed)
        if mode is not None:
            warnings.append(
                f"{path} is readable by other users (mode {mode:04o}); it holds secrets. "
                f"Fix it with: chmod {allowed:o} {path}"
            )
    return warnings


def warn_if_wide(data_dir: Path, metadata_file: Path, spool_dir: Path) -> list[str]:
    warnings = check(data_dir, metadata_file, spool_dir)
    for message in warnings:
        logger.warning(message)
    return warnings
