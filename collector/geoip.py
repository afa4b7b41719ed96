"""Country, region and city from a MaxMind-format .mmdb file (GeoLite2, DB-IP Lite)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import maxminddb


@dataclass(frozen=True, slots=True)
class Location:
    country_code: str = ""
    region: str = ""
    city: str = ""


NOWHERE = Location()


def _name(record: Any) -> str:
    if not isinstance(record, dict):
        return ""
    names = record.get("names")
    if isinstance(names, dict):
        return str(names.get("en") or next(iter(names.values()), ""))
    return ""


class GeoLookup:
    def __init__(self, path: str) -> None:
        self.path = path
        self.reader = maxminddb.open_database(path)

    def lookup(self, ip: str) -> Location:
        try:
            record = self.reader.get(ip)
        except (ValueError, TypeError):
            return NOWHERE
        if not isinstance(record, dict):
            return NOWHERE
        country = record.get("country") or record.get("registered_country") or {}
        code = str(country.get("iso_code") or "") if isinstance(country, dict) else ""
        subdivisions = record.get("subdivisions") or []
        region = _name(subdivisions[0]) if isinstance(subdivisions, list) and subdivisions else ""
        return Location(code.upper()[:2], region[:100], _name(record.get("city"))[:100])

    def close(self) -> None:
        self.reader.close()


def open_lookup(path: str | None) -> GeoLookup | None:
    return GeoLookup(path) if path else None
