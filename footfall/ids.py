"""Numeric IDs from URLs: bounded to what SQLite and ClickHouse can hold, so a huge one is a 404, not a 500."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2**63 - 1  # SQLite's INTEGER; ClickHouse's UInt64 holds more
MAX_DIGITS = 19


def parse_id(raw: object) -> int | None:
    """A whole number between 0 and MAX_ID written in decimal digits, else None."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > MAX_DIGITS:
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


class IdConvertor(Convertor[int]):
    """``{name:id}`` in a route path: like ``int``, but a number too large to be an ID does not match."""

    regex = "[0-9]{1,19}"

    def convert(self, value: str) -> int:
        parsed = parse_id(value)
        # 19 digits may still exceed MAX_ID: no row has such an ID, so it becomes one that matches nothing.
        return parsed if parsed is not None else -1

    def to_string(self, value: int) -> str:
        if not 0 <= value <= MAX_ID:
            raise ValueError("an ID is between 0 and 2**63 - 1")
        return str(value)


register_url_convertor("id", IdConvertor())
