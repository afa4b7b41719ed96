"""Filters in Plausible's JSON form: parsing, back to JSON, and which dimensions they mention.

Semantics: a *visit* dimension (``visit:*``) is constant over a visit, so
it keeps or drops whole visits; an *event* dimension (``event:*``) is matched
by hits; ``and``/``or``/``not`` combine both kinds, evaluated per hit;
``has_done``/``has_not_done`` wrap an event filter and keep the visits with
(without) at least one matching hit.

Matching is case-sensitive unless the filter carries Plausible's
``{"case_sensitive": false}`` modifier.  A property filter only matches hits
that have the property; ``is "(none)"`` matches the hits without it.
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
    case_sensitive: bool | None = None  # None: not given (case-sensitive); echoed as given

    @property
    def ignores_case(self) -> bool:
        return self.case_sensitive is False


@dataclass(frozen=True)
class And:
    filters: tuple["FilterExpr", ...]


@dataclass(frozen=True)
class Or:
    filters: tuple["FilterExpr", ...]


@dataclass(frozen=True)
class Not:
    filter: "FilterExpr"


@dataclass(frozen=True)
class HasDone:
    """The visits with (``negated``: without) at least one hit that matches ``filter``."""

    filter: "FilterExpr"
    negated: bool = False


FilterExpr = Union[Filter, And, Or, Not, HasDone]
BEHAVIOURAL = ("has_done", "has_not_done")
MODIFIERS = {"case_sensitive": bool}


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
    if operator in BEHAVIOURAL:
        if len(data) != 2:
            raise QueryError(f"filters: {operator} takes one filter")
        inner = parse_filter(data[1], depth + 1)
        if any(dimension(name, for_filter=True).scope != "event" for name in filter_dimensions(inner)):
            raise QueryError(f"Invalid filters. {operator} takes event filters only (event:*)")
        return HasDone(inner, negated=operator == "has_not_done")
    if operator not in OPERATORS:
        raise QueryError(f"Unknown operator for filter {_short(data)}; use one of {', '.join(OPERATORS)}, and, or, "
                         f"not, {', '.join(BEHAVIOURAL)}")
    if len(data) not in (3, 4) or not isinstance(data[1], str) or not isinstance(data[2], list):
        raise QueryError(f"Invalid filter {_short(data)}: it must be [operator, dimension, [values], modifiers?]")
    values = data[2]
    if not values or len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"Invalid filter {_short(data)}: {data[1]} needs 1 to {MAX_FILTER_VALUES} values")
    if not all(isinstance(value, str) for value in values):
        raise QueryError(f"Invalid filter {_short(data)}: the values must be strings")
    case_sensitive = None
    if len(data) == 4:
        modifiers = data[3]
        if (not isinstance(modifiers, dict) or any(key not in MODIFIERS for key in modifiers)
                or not all(isinstance(v, MODIFIERS[k]) for k, v in modifiers.items())):
            raise QueryError(f"Invalid filter {_short(data)}: the fourth element takes {{\"case_sensitive\": false}}")
        case_sensitive = modifiers.get("case_sensitive")
    dimension(data[1], for_filter=True)  # raises for unknown dimensions
    clean = tuple(values)
    if operator.startswith("matches"):
        for pattern in clean:
            try:
                re.compile(pattern)
            except re.error:
                raise QueryError(f"filters: {pattern!r} is not a valid regular expression") from None
    return Filter(data[1], operator, clean, case_sensitive)


def parse_filters(data: Any) -> tuple[FilterExpr, ...]:
    """The top-level list of filters; they all apply (an implicit ``and``)."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise QueryError("filters: must be a list of filters")
    return tuple(parse_filter(item) for item in data)


def filter_to_json(expr: FilterExpr) -> list:
    if isinstance(expr, Filter):
        if expr.case_sensitive is not None:
            return [expr.operator, expr.dimension, list(expr.values), {"case_sensitive": expr.case_sensitive}]
        return [expr.operator, expr.dimension, list(expr.values)]
    if isinstance(expr, Not):
        return ["not", filter_to_json(expr.filter)]
    if isinstance(expr, HasDone):
        return ["has_not_done" if expr.negated else "has_done", filter_to_json(expr.filter)]
    return ["and" if isinstance(expr, And) else "or", [filter_to_json(child) for child in expr.filters]]


def filter_dimensions(filters: tuple[FilterExpr, ...] | FilterExpr) -> set[str]:
    if isinstance(filters, tuple):
        return set().union(*(filter_dimensions(f) for f in filters)) if filters else set()
    if isinstance(filters, Filter):
        return {filters.dimension}
    if isinstance(filters, (Not, HasDone)):
        return filter_dimensions(filters.filter)
    return set().union(*(filter_dimensions(child) for child in filters.filters))


def has_behavioural(filters: tuple[FilterExpr, ...] | FilterExpr) -> bool:
    """Whether any filter is a has_done/has_not_done (a visit-level fact the general SQL path evaluates)."""
    if isinstance(filters, tuple):
        return any(has_behavioural(f) for f in filters)
    if isinstance(filters, HasDone):
        return True
    if isinstance(filters, Not):
        return has_behavioural(filters.filter)
    if isinstance(filters, (And, Or)):
        return any(has_behavioural(f) for f in filters.filters)
    return False


def drop_filters(filters: tuple[FilterExpr, ...], dimension_name: str) -> tuple[FilterExpr, ...]:
    """The top-level filters that do not mention ``dimension_name`` (for conversion-rate denominators)."""
    return tuple(f for f in filters if dimension_name not in filter_dimensions(f))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


# Custom events: what is not a pageview or one of the built-in names of goals, searches and links (the
# events the custom-event and property reports show).
CUSTOM_EVENTS = Filter(
    "event:name", "matches_not",
    ("^(pageview|Site Search|Outbound Link: Click|File Download|Goal [0-9]+|ping|engagement)$",),
)
