"""Where the files that ship beside the Python code live, and the check that they are there.

The migrations (``sql/``) and the tracker and opt-out scripts (``static/``) sit at
the top of the source tree; a wheel carries them inside this package as
``footfall/sql`` and ``footfall/static`` (``setup.py`` maps them at build time).
Either way they are found from this file, whatever the working directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


class MissingFiles(RuntimeError):
    """A file Footfall ships with is not where it should be: the installation is incomplete."""


def shipped(name: str) -> Path:
    """The folder ``name``: inside the installed package, else at the top of the source tree."""
    installed = PACKAGE / name
    if installed.is_dir():
        return installed
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    return installed  # missing: require() says so


SQL_DIR = shipped("sql")
STATIC_DIR = shipped("static")


def require(directory: Path, pattern: str, what: str) -> list[Path]:
    """The files in ``directory`` matching ``pattern``; MissingFiles when there are none."""
    found = sorted(path for path in directory.glob(pattern) if path.is_file()) if directory.is_dir() else []
    if not found:
        where = f"{directory} has no {pattern}" if directory.is_dir() else f"{directory} does not exist"
        raise MissingFiles(f"{what} not found: {where}. The installation is incomplete; reinstall footfall.")
    return found


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise MissingFiles(f"{what} not found: {path} is missing. The installation is incomplete; reinstall footfall.")
    return path
