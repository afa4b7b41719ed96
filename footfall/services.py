"""The long-lived parts of a running Footfall, built once from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from collector.context import PipelineContext
from collector.geoip import GeoLookup, open_lookup
from collector.metrics import CollectorMetrics
from collector.user_agent import UserAgentClassifier
from collector.writer import Writer
from footfall.metadata.db import Database
from footfall.metadata.salts import SaltStore
from footfall.metadata.secrets_store import server_secret
from footfall.metadata.sites import SiteStore
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
    geo: GeoLookup | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def close(self) -> None:
        if self.geo is not None:
            self.geo.close()
        self.storage.close()
        self.db.close()


def open_metadata(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Database(settings.metadata_file)


def open_storage(settings: Settings, *, migrate: bool = True) -> Storage:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    storage = Storage(settings.clickhouse_dsn, cluster=settings.cluster)
    if migrate:
        for migration in migrations.migrate(storage):
            logger.info("applied migration %04d_%s", migration.version, migration.name)
    return storage


def build(settings: Settings, *, storage: Storage | None = None) -> Services:
    db = open_metadata(settings)
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
    )
    return Services(settings, db, storage, sites, salts, secret, metrics, writer, pipeline, geo)
