"""The long-lived parts of a running Footfall, built once from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from collector.context import PipelineContext
from collector.geoip import GeoLookup, open_lookup
from collector.metrics import CollectorMetrics
from collector.rows import from_spool
from collector.spool import Spool
from collector.state import CollectorState
from collector.user_agent import UserAgentClassifier
from collector.visits import VisitTracker
from collector.writer import Writer
from dashboard.accounts import Accounts, TrackingTokens
from dashboard.goals import GoalStore
from dashboard.login_sessions import LoginSessions
from dashboard.session import LoginLimiter
from dashboard.state import DashboardState
from footfall import permissions
from footfall.metadata.db import Database
from footfall.metadata.hosts_seen import HostsSeen
from footfall.metadata.privacy_log import PrivacyLog
from footfall.metadata.salts import SaltStore
from footfall.metadata.secrets_store import server_secret
from footfall.metadata.sites import SiteStore
from footfall.schema import COLUMNS
from footfall.settings import Settings
from footfall.storage import migrations
from footfall.storage.clickhouse import Storage

logger = logging.getLogger("footfall")


@dataclass
class Services:
    settings: Settings
    db: Database
    storage: Storage
    sites: SiteStore
    salts: SaltStore
    secret: str
    metrics: CollectorMetrics
    writer: Writer
    pipeline: PipelineContext
    collector: CollectorState
    dashboard: DashboardState
    geo: GeoLookup | None = None

    def close(self) -> None:
        if self.geo is not None:
            self.geo.close()
        self.storage.close()
        self.db.close()


def open_metadata(settings: Settings) -> Database:
    permissions.private_dir(settings.data_dir)
    return Database(settings.metadata_file)


def open_storage(settings: Settings, *, migrate: bool = True) -> Storage:
    permissions.private_dir(settings.data_dir)
    storage = Storage(settings.clickhouse_dsn, cluster=settings.cluster)
    if migrate:
        for migration in migrations.migrate(storage):
            logger.info("applied migration %04d_%s", migration.version, migration.name)
    return storage


def build(settings: Settings, *, storage: Storage | None = None) -> Services:
    db = open_metadata(settings)
    permissions.private_dir(settings.spool_path)
    permissions.warn_if_wide(settings.data_dir, settings.metadata_file, settings.spool_path)
    storage = storage or open_storage(settings)
    sites = SiteStore(db)
    salts = SaltStore(db)
    secret = server_secret(db, settings.secret_key)
    metrics = CollectorMetrics()
    writer = Writer(settings, storage, metrics)
    geo = open_lookup(settings.geoip_database)
    pipeline = PipelineContext(
        settings=settings,
        find_site=sites.cached,
        salt_for=salts.current,
        secret=secret.encode(),
        user_agents=UserAgentClassifier(settings.ua_cache_size),
        geo=geo,
        visits=VisitTracker(settings.visit_timeout_minutes),
    )
    accounts = Accounts(db)  # before the sessions: their table refers to the users
    # A user's API token authorizes trusted hits (cip, old cdt) for the sites the user administers.
    pipeline.authorize_token = TrackingTokens(accounts).allows
    warm_visits(pipeline.visits, storage, writer.spool, settings.visit_timeout_minutes)
    collector = CollectorState(
        settings, sites, storage, secret, metrics, writer, pipeline, PrivacyLog(db), hosts_seen=HostsSeen(db)
    )
    dashboard = DashboardState(
        settings, db, storage, sites, secret, accounts, GoalStore(db), LoginLimiter(), LoginSessions(db)
    )
    return Services(settings, db, storage, sites, salts, secret, metrics, writer, pipeline, collector, dashboard, geo)


RECENT_VISITS = """
SELECT site_id, visitor_id, toUnixTimestamp64Milli(max(timestamp)), argMax(visit_id, timestamp),
       toUnixTimestamp64Milli(argMax(visit_start, timestamp))
FROM events
WHERE timestamp >= now64(3) - toIntervalSecond({seconds:UInt32})
GROUP BY site_id, visitor_id
"""


def warm_visits(visits: VisitTracker, storage: Storage, spool: Spool, timeout_minutes: int) -> None:
    """Continue the visits that were going on before a restart (stored, or still in the spool)."""
    try:
        visits.warm(storage.query(RECENT_VISITS, {"seconds": timeout_minutes * 60}))
    except Exception:  # ClickHouse down at start: the spool still counts, visits may split
        logger.warning("could not read recent visits from ClickHouse; visits in progress may split")
    index = {name: COLUMNS.index(name) for name in ("site_id", "visitor_id", "timestamp", "visit_id", "visit_start")}
    for segment in spool.sealed():
        try:
            rows = [from_spool(row) for row in Spool.read(segment)]
        except OSError:
            continue
        visits.warm(
            (row[index["site_id"]], row[index["visitor_id"]], row[index["timestamp"]], row[index["visit_id"]],
             row[index["visit_start"]])
            for row in rows
            if len(row) == len(COLUMNS)
        )
