from pathlib import Path

from collector.geoip import GeoLookup
from collector.stages.enrich_geo import enrich_geo
from tests.collector.builders import make_context, make_hit
from tests.mmdb_writer import write_city_database


def lookup(tmp_path: Path) -> GeoLookup:
    path = tmp_path / "tiny.mmdb"
    write_city_database(path, {"203.0.113.0/24": ("NL", "North Holland", "Amsterdam")})
    return GeoLookup(str(path))


def test_location_from_the_database(tmp_path: Path) -> None:
    context = make_context(geo=lookup(tmp_path))
    hit = make_hit(context, ip="203.0.113.77")
    assert enrich_geo(hit, context) is None
    assert (hit.country_code, hit.region, hit.city) == ("NL", "North Holland", "Amsterdam")


def test_unknown_address_has_no_location(tmp_path: Path) -> None:
    context = make_context(geo=lookup(tmp_path))
    hit = make_hit(context, ip="198.51.100.1")
    enrich_geo(hit, context)
    assert (hit.country_code, hit.region, hit.city) == ("", "", "")


def test_trusted_override_wins(tmp_path: Path) -> None:
    context = make_context(geo=lookup(tmp_path))
    hit = make_hit(context, ip="203.0.113.77", country_code="FR")
    enrich_geo(hit, context)
    assert (hit.country_code, hit.city) == ("FR", "")


def test_without_a_database_the_country_stays_empty() -> None:
    context = make_context(geo=None)
    hit = make_hit(context, ip="203.0.113.77")
    assert enrich_geo(hit, context) is None
    assert hit.country_code == ""
