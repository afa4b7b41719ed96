"""What the collector's endpoints work with, handed to them by the app that assembles Footfall."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from collector.context import PipelineContext
from collector.metrics import CollectorMetrics
from collector.rate_limit import ClientRateLimiter
from collector.writer import Writer
from footfall.metadata.hosts_seen import HostsSeen
from footfall.metadata.privacy_log import PrivacyLog
from footfall.metadata.sites import SiteStore
from footfall.settings import Settings
from footfall.storage.clickhouse import Storage


@dataclass
class CollectorState:
    settings: Settings
    sites: SiteStore
    storage: Storage
    secret: str
    metrics: CollectorMetrics
    writer: Writer
    pipeline: PipelineContext
    privacy_log: PrivacyLog | None = None
    forget_limiter: ClientRateLimiter = field(default_factory=ClientRateLimiter)
    # The privacy manifest's count of stored user IDs per site: (when counted, count).
    user_id_counts: dict[int, tuple[float, int]] = field(default_factory=dict)
    hosts_seen: HostsSeen | None = None


def services_of(request: Request) -> CollectorState:
    """The collector's state, set on ``app.state.collector`` when the app starts."""
    return request.app.state.collector
