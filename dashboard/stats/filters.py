"""Filters in Plausible's JSON form: parsing, back to JSON, and which dimensions they mention.

Semantics: a *visit* dimension (``visit:*``) is constant over a visit, so
it keeps or drops whole visits; an *event* dimension (``event:*``) is matched
by hits; ``and``/``or``/``not`` combine both kinds, evaluated per hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from dashboard.stats.dimensions import dimension
from dashboard.stats.query import QueryError

OPERATORS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
MAX_FILTER_VALUES = 100
MAX_FILTER_DEPTH = 6

@dataclass(frozen=True)
class Filter:
    dimension: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class And:
    filters: tuple["FilterExpr", ...]


@dataclass(frozen=True)
class Or:
    filters: tuple["FilterExpr", ...]


@dataclass(frozen=True)
class Not:
    filter: "FilterExpr"


FilterExpr = Union[Filter, And, Or, Not]


def parse_filter(data: Any, depth: int = 0) -> FilterExpr:
    """One filter in Plausible's JSON form: ``["is", "visit:country", ["DE"]]``, ``["and", [...]]``, ``["not", f]``."""
    if depth > MAX_FILTER_DEPTH:
        raise QueryError("filters: nested too deeply")
    if not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise QueryError(f"filters: {_short(data)} is not a filter like [\"is\", \"visit:country\", [\"DE\"]]")
    operator = data[0]
    if operator in ("and", "or"):
        if len(data) != 2 or not isinstance(data[1], list) or not data[1]:
            raise QueryError(f"filters: {operator} takes a non-empty list of filters")
        children = tuple(parse_filter(child, depth + 1) for child in data[1])
        return And(children) if operator == "and" else Or(children)
    if operator == "not":
        if len(data) != 2:
            raise QueryError("filters: not takes one filter")
        return Not(parse_filter(data[1], depth + 1))
    if operator not in OPERATORS:
        raise QueryError(f"filters: unknown operator {operator!r}; use one of {', '.join(OPERATORS)}, and, or, not")
    if len(data) not in (3, 4) or not isinstance(data[1], str) or not isinstance(data[2], list):
        raise QueryError(f"filters: {_short(data)} must be [operator, dimension, [values]]")
    values = data[2]
    if not values or len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"filters: {data[1]} needs 1 to {MAX_FILTER_VALUES} values")
    if not all(isinstance(value, (str, int, float)) and not isinstance(value, bool) for value in values):
        raise QueryError(f"filters: the values for {data[1]} must be strings")
    dimension(data[1], for_filter=True)  # raises for unknown dimensions
    clean = tuple(str(value) for value in values)
    if operator.startswith("matches"):
        for pattern in clean:
            try:
                re.compile(pattern)
            except re.error:
                raise QueryError(f"filters: {pattern!r} is not a valid regular expression") from None
    return Filter(data[1], operator, clean)


def parse_filters(data: Any) -> tuple[FilterExpr, ...]:
    """The top-level list of filters; they all apply (an implicit ``and``)."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise QueryError("filters: must be a list of filters")
    return tuple(parse_filter(item) for item in data)


def filter_to_json(expr: FilterExpr) -> list:
    if isinstance(expr, Filter):
        return [expr.operator, expr.dimension, list(expr.values)]
    if isinstance(expr, Not):
        return ["not", filter_to_json(expr.filter)]
    return ["and" if isinstance(expr, And) else "or", [filter_to_json(child) for child in expr.filters]]


def filter_dimensions(filters: tuple[FilterExpr, ...] | FilterExpr) -> set[str]:
    if isinstance(filters, tuple):
        return set().union(*(filter_dimensions(f) for f in filters)) if filters else set()
    if isinstance(filters, Filter):
        return {filters.dimension}
    if isinstance(filters, Not):
        return filter_dimensions(filters.filter)
    return set().union(*(filter_dimensions(child) for child in filters.filters))


def drop_filters(filters: tuple[FilterExpr, ...], dimension_name: str) -> tuple[FilterExpr, ...]:
    """The top-level filters that do not mention ``dimension_name`` (for conversion-rate denominators)."""
    return tuple(f for f in filters if dimension_name not in filter_dimensions(f))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
