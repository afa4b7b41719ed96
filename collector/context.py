"""What the pipeline's stages may read besides the hit itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from collector.geoip import GeoLookup
from collector.user_agent import UserAgentClassifier
from collector.visits import VisitTracker
from footfall.metadata.sites import Site
from footfall.settings import Settings


@dataclass
class PipelineContext:
    settings: Settings
    find_site: Callable[[int], Site | None]
    salt_for: Callable[[datetime], bytes]
    secret: bytes
    user_agents: UserAgentClassifier
    geo: GeoLookup | None = None
    visits: VisitTracker = field(default_factory=lambda: VisitTracker(30))
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    # Whether a token other than the site's own (a user's API token) authorizes trusted hits for a site.
    authorize_token: Callable[[str, int], bool] = field(default=lambda token, site_id: False)
