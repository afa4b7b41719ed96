"""Prometheus metrics for the collector: hits accepted, dropped by reason, spool depth, flush latency."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class CollectorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.accepted = Counter(
            "footfall_hits_accepted", "Hits accepted and spooled", registry=self.registry
        )
        self.dropped = Counter(
            "footfall_hits_dropped", "Hits answered but not recorded, by reason", ["reason"], registry=self.registry
        )
        self.rejected = Counter(
            "footfall_hits_rejected", "Hits refused with 503 because the spool was full", registry=self.registry
        )
        self.spool_bytes = Gauge("footfall_spool_bytes", "Bytes waiting in the spool", registry=self.registry)
        self.spool_segments = Gauge(
            "footfall_spool_segments", "Spool segments waiting to be stored", registry=self.registry
        )
        self.flush_seconds = Histogram(
            "footfall_flush_seconds",
            "Time to insert one spool segment into ClickHouse",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.flush_failures = Counter(
            "footfall_flush_failures", "Failed attempts to store a spool segment", registry=self.registry
        )
        self.stored = Counter("footfall_hits_stored", "Hits stored in ClickHouse", registry=self.registry)
