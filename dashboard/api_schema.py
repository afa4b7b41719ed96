"""The JSON schema of the Stats API's query (``GET /api/docs/query/schema.json``), built from the parser's lists.

Plausible publishes its query schema the same way; tools that validate or
autocomplete queries against it work with Footfall's.  Nothing here is
written twice: metric, dimension, operator, range and include names come
from :mod:`dashboard.api_query` and the stats registry.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from dashboard import api_query
from dashboard.stats.dimensions import PROPS_PREFIX, TIME_DIMENSIONS

SCHEMA_ID = "/api/docs/query/schema.json"


def _enum(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def query_schema() -> dict[str, Any]:
    simple_dimensions = [name for name in api_query.DIMENSION_NAMES if name != "event:goal"]
    props = {"type": "string", "pattern": f"^{PROPS_PREFIX}.+"}
    filter_dimension = {"oneOf": [_enum(simple_dimensions), props]}
    clauses = {"type": "array", "minItems": 1, "items": {"type": "string"}}
    modifiers = {"type": "object", "additionalProperties": False,
                 "properties": {name: {"type": "boolean"} for name in api_query.MODIFIERS}}
    other_operators = [op for op in api_query.OPERATORS if op not in api_query.GOAL_OPERATORS]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Footfall Stats API v2 query (compatible with Plausible's)",
        "type": "object",
        "required": list(api_query.REQUIRED),
        "additionalProperties": False,
        "properties": {
            "site_id": {"type": "string", "description": "The site's domain"},
            "metrics": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"$ref": "#/definitions/metric"}},
            "date_range": {"$ref": "#/definitions/date_range"},
            "date": {"type": "string", "format": "date", "description": "The day relative ranges are counted from"},
            "dimensions": {"type": "array", "uniqueItems": True, "items": {"$ref": "#/definitions/dimension"}},
            "filters": {"type": "array", "items": {"$ref": "#/definitions/filter_tree"}},
            "order_by": {"type": "array", "items": {"$ref": "#/definitions/order_by_entry"}},
            "include": {"type": "object", "additionalProperties": False,
                        "properties": {name: {"type": "boolean"} for name in api_query.INCLUDE_KEYS}},
            "pagination": {"type": "object", "additionalProperties": False, "properties": {
                "limit": {"type": "integer", "minimum": 1, "maximum": api_query.MAX_LIMIT},
                "offset": {"type": "integer", "minimum": 0},
            }},
        },
        "definitions": {
            "metric": _enum(api_query.METRICS),
            "date_range": {"oneOf": [
                _enum(api_query.SHORTCUTS),
                {"type": "string", "pattern": api_query.SHORTCUT_PATTERN,
                 "description": "Nd: N whole days ending yesterday; Nmo: N whole months before the current one"},
                {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "format": "date"}},
                {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "format": "date-time"},
                 "description": "ISO 8601 date-times with a zone offset; the end is included, to the second"},
            ]},
            "dimension": {"oneOf": [
                _enum([*api_query.DIMENSION_NAMES, *TIME_DIMENSIONS]),
                props,
            ]},
            "filter_entry": {"oneOf": [
                {"type": "array", "minItems": 3, "maxItems": 4,
                 "items": [_enum(other_operators), filter_dimension, clauses, modifiers]},
                {"type": "array", "minItems": 3, "maxItems": 4,
                 "items": [_enum(api_query.GOAL_OPERATORS),
                           {"oneOf": [{"const": "event:goal"}, *filter_dimension["oneOf"]]}, clauses, modifiers]},
            ]},
            "filter_tree": {"oneOf": [
                {"$ref": "#/definitions/filter_entry"},
                {"type": "array", "minItems": 2, "maxItems": 2,
                 "items": [_enum(["and", "or"]),
                           {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/filter_tree"}}]},
                {"type": "array", "minItems": 2, "maxItems": 2,
                 "items": [_enum(["not"]), {"$ref": "#/definitions/filter_tree"}]},
                {"type": "array", "minItems": 2, "maxItems": 2,
                 "items": [_enum(api_query.BEHAVIOURAL), {"$ref": "#/definitions/filter_tree"}]},
            ]},
            "order_by_entry": {"type": "array", "minItems": 2, "maxItems": 2, "items": [
                {"oneOf": [{"$ref": "#/definitions/metric"}, {"$ref": "#/definitions/dimension"}]},
                _enum(["asc", "desc"]),
            ]},
        },
    }


async def schema_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(query_schema(), headers={"Cache-Control": "public, max-age=3600"})
