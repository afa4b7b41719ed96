"""Named goals of a site, and the goals report with their names.

A goal has the integer id Matomo's tracker sends as ``idgoal``
(``_paq.push(['trackGoal', 3])``) and a name people read.  Like Plausible, a
goal may instead be defined by a custom event's name (``match_type='event'``)
or by a page path pattern (``match_type='page'``, ``*`` matches any
characters).

The stats package reports Matomo conversions as ``Goal N`` and custom events
without a category under their event name.  :func:`goals_report` runs that
report and puts the goals' names on its rows; page goals are counted here
with one filtered aggregate each (visits with a matching pageview).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dashboard.stats import actions, aggregate
from dashboard.stats.breakdown import MAX_LIMIT, Result
from dashboard.stats.filters import Filter, drop_filters
from dashboard.stats.query import StatsQuery
from footfall.metadata.db import Database

if TYPE_CHECKING:
    from dashboard.state import DashboardState

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS goals (
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        goal_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        match_type TEXT NOT NULL DEFAULT 'manual' CHECK (match_type IN ('manual', 'event', 'page')),
        match_value TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (site_id, goal_id)
    )
    """,
]

MATCH_TYPES = (
    ("manual", "Tracked by id (trackGoal / idgoal)"),
    ("event", "Custom event name"),
    ("page", "Page path"),
)
MAX_GOAL_ID = 2**32 - 1  # goal_id is a UInt32 in ClickHouse
MAX_NAME = 120
MAX_EVENT_NAME = 250  # the collector keeps event names up to 250 characters
MAX_PAGE_PATTERN = 500
MAX_GOALS_PER_SITE = 100
MAX_PAGE_GOALS_PER_SITE = 20  # each is one query when the goals report runs
MATOMO_GOAL = re.compile(r"^Goal ([0-9]+)$")
_REGEX_SPECIAL = set(".^$|?+()[]{}\\")


class GoalError(ValueError):
    """A goal value is invalid; the message names the field."""


@dataclass(frozen=True)
class Goal:
    site_id: int
    goal_id: int
    name: str
    match_type: str = "manual"
    match_value: str = ""

    @property
    def page_regex(self) -> str:
        return page_regex(self.match_value)

    @property
    def description(self) -> str:
        if self.match_type == "event":
            return f"event {self.match_value}"
        if self.match_type == "page":
            return f"page {self.match_value}"
        return f"trackGoal {self.goal_id}"


def page_regex(pattern: str) -> str:
    """An anchored regular expression (valid in RE2 and Python) for a path with ``*`` wildcards."""
    out = []
    for char in pattern:
        if char == "*":
            out.append(".*")
        elif char in _REGEX_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    return "^" + "".join(out) + "$"


def empty_values() -> dict[str, str]:
    return {"goal_id": "", "name": "", "match_type": "manual", "match_value": ""}


def _row_to_goal(row: Any) -> Goal:
    return Goal(int(row["site_id"]), int(row["goal_id"]), str(row["name"]), str(row["match_type"]),
                str(row["match_value"]))


class GoalStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)

    def list(self, site_id: int) -> list[Goal]:
        rows = self.db.fetchall("SELECT * FROM goals WHERE site_id = ? ORDER BY goal_id", [site_id])
        return [_row_to_goal(row) for row in rows]

    def get(self, site_id: int, goal_id: int) -> Goal | None:
        row = self.db.fetchone("SELECT * FROM goals WHERE site_id = ? AND goal_id = ?", [site_id, goal_id])
        return _row_to_goal(row) if row else None

    def validate(self, site_id: int, values: dict[str, str], *, editing: int | None = None) -> tuple[Goal | None, dict[str, str]]:
        """A goal from form values, or the errors per field.  ``editing`` is the id of the goal being changed."""
        errors: dict[str, str] = {}
        others = [goal for goal in self.list(site_id) if goal.goal_id != editing]
        goal_id = editing
        if editing is None:
            raw_id = values.get("goal_id", "").strip()
            if not raw_id:
                goal_id = max((goal.goal_id for goal in others), default=0) + 1
            elif not raw_id.isdigit() or not 1 <= int(raw_id) <= MAX_GOAL_ID:
                errors["goal_id"] = f"must be a whole number from 1 to {MAX_GOAL_ID}"
            elif any(goal.goal_id == int(raw_id) for goal in others):
                errors["goal_id"] = f"this site has a goal {int(raw_id)} already"
            else:
                goal_id = int(raw_id)
            if len(others) >= MAX_GOALS_PER_SITE:
                errors["name"] = f"a site can have at most {MAX_GOALS_PER_SITE} goals"
        name = " ".join(values.get("name", "").split())
        if not 1 <= len(name) <= MAX_NAME:
            errors["name"] = f"must be 1 to {MAX_NAME} characters"
        elif any(goal.name.casefold() == name.casefold() for goal in others):
            errors["name"] = "another goal of this site has this name"
        match_type = values.get("match_type", "manual")
        match_value = values.get("match_value", "").strip()
        if match_type not in dict(MATCH_TYPES):
            errors["match_type"] = "must be trackGoal id, custom event or page path"
        elif match_type == "manual":
            match_value = ""
        elif match_type == "event":
            if not 1 <= len(match_value) <= MAX_EVENT_NAME or any(ord(c) < 32 for c in match_value):
                errors["match_value"] = f"the event name: 1 to {MAX_EVENT_NAME} characters"
        elif not match_value.startswith("/") or len(match_value) > MAX_PAGE_PATTERN or any(c.isspace() for c in match_value):
            errors["match_value"] = "a path that starts with / (no spaces; * matches any characters)"
        elif sum(goal.match_type == "page" for goal in others) >= MAX_PAGE_GOALS_PER_SITE:
            errors["match_type"] = f"a site can have at most {MAX_PAGE_GOALS_PER_SITE} page goals"
        if "match_value" not in errors and match_type in ("event", "page") and any(
            goal.match_type == match_type and goal.match_value == match_value for goal in others
        ):
            errors["match_value"] = f"goal {next(g.name for g in others if g.match_value == match_value)} matches this already"
        if errors or goal_id is None:
            return None, errors
        return Goal(site_id, goal_id, name, match_type, match_value), {}

    def save(self, goal: Goal) -> Goal:
        self.db.execute(
            "INSERT INTO goals (site_id, goal_id, name, match_type, match_value) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (site_id, goal_id) DO UPDATE SET name = excluded.name, match_type = excluded.match_type, "
            "match_value = excluded.match_value",
            [goal.site_id, goal.goal_id, goal.name, goal.match_type, goal.match_value],
        )
        return goal

    def add(self, site_id: int, name: str, match_type: str = "manual", match_value: str = "",
            goal_id: int | None = None) -> Goal:
        """Add a goal (for code and tests); raises GoalError naming the first invalid field."""
        values = {"goal_id": "" if goal_id is None else str(goal_id), "name": name, "match_type": match_type,
                  "match_value": match_value}
        goal, errors = self.validate(site_id, values)
        if goal is None:
            field, message = next(iter(errors.items()))
            raise GoalError(f"{field}: {message}")
        return self.save(goal)

    def delete(self, site_id: int, goal_id: int) -> None:
        self.db.execute("DELETE FROM goals WHERE site_id = ? AND goal_id = ?", [site_id, goal_id])


def store_of(services: DashboardState) -> GoalStore:
    """The goal store shared by a server's requests."""
    return services.goals


# The goals report with names ---------------------------------------------------------------------


def labels(goals: list[Goal]) -> dict[str, str]:
    """What the stats report calls a goal (``Goal 3``, or an event name) → the goal's name."""
    names = {goal.match_value: goal.name for goal in goals if goal.match_type == "event"}
    names.update({f"Goal {goal.goal_id}": goal.name for goal in goals})
    return names


def label_rows(rows: list[dict[str, Any]], goals: list[Goal]) -> list[dict[str, Any]]:
    """The rows with a ``label``: the goal's name where one is defined; ``value`` stays the filter value."""
    names = labels(goals)
    return [{**row, "label": names.get(str(row.get("value", "")), row.get("value", ""))} for row in rows]


def page_goal_rows(storage: Any, query: StatsQuery, goals: list[Goal], metrics: list[str]) -> list[dict[str, Any]]:
    """One row per page goal with conversions: visitors with a matching pageview, those pageviews, and the rate."""
    page_goals = [goal for goal in goals if goal.match_type == "page"]
    if not page_goals:
        return []
    base_query = query.with_filters(drop_filters(query.filters, "event:goal"))
    base = int(aggregate.aggregate(storage, base_query, ["visitors"])["visitors"])
    rows = []
    for goal in page_goals:
        matched = query.adding(Filter("event:page", "matches", (goal.page_regex,)))
        counts = aggregate.aggregate(storage, matched, ["visitors", "pageviews"])
        visitors = int(counts["visitors"])
        if not visitors:
            continue
        values = {
            "visitors": visitors,
            "events": int(counts["pageviews"]),
            "conversion_rate": round(100 * visitors / base, 2) if base else 0.0,
            "total_revenue": 0.0,
        }
        row: dict[str, Any] = {"dimensions": [goal.name], "value": goal.name, "label": goal.name,
                               "filter": ("event:page", "matches", goal.page_regex)}
        row.update({metric: values.get(metric, 0) for metric in metrics})
        rows.append(row)
    return rows


def goals_report(storage: Any, query: StatsQuery, goals: list[Goal], *, limit: int = 10, offset: int = 0) -> Result:
    """The stats goals report with names, plus the page goals, ordered by converting visitors."""
    if not any(goal.match_type == "page" for goal in goals):
        result = actions.goals(storage, query, limit=limit, offset=offset)
        return replace(result, rows=label_rows(result.rows, goals))
    result = actions.goals(storage, query, limit=min(offset + limit, MAX_LIMIT), offset=0)
    rows = label_rows(result.rows, goals) + page_goal_rows(storage, query, goals, list(result.metrics))
    rows.sort(key=lambda row: -int(row.get("visitors") or 0))  # stable: the stats order among equals
    return replace(result, rows=rows[offset : offset + limit], total_rows=result.total_rows + len(rows) - len(result.rows))
