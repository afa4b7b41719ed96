"""What the dashboard's pages work with, handed to them by the app that assembles Footfall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from footfall.metadata.db import Database
from footfall.metadata.sites import SiteStore
from footfall.settings import Settings
from footfall.storage.clickhouse import Storage

if TYPE_CHECKING:  # these modules use services_of themselves
    from dashboard.accounts import Accounts
    from dashboard.goals import GoalStore
    from dashboard.login_sessions import LoginSessions
    from dashboard.session import LoginLimiter


@dataclass
class DashboardState:
    settings: Settings
    db: Database
    storage: Storage
    sites: SiteStore
    secret: str
    accounts: Accounts
    goals: GoalStore
    login_limiter: LoginLimiter
    login_sessions: LoginSessions


def services_of(request: Request) -> DashboardState:
    """The dashboard's state, set on ``app.state.dashboard`` when the app starts."""
    return request.app.state.dashboard
