"""Prometheus metrics: one registry per app, so tests can build many apps in one process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "chirp_http_requests_total",
            "HTTP requests by route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "chirp_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        # The timeline engine (docs/timelines.md).
        self.feed_reads = Counter(
            "chirp_feed_reads_total",
            "Home feed reads: hit (feed ready), miss (rebuilt), building (answered from the "
            "database while another request builds it), error (feed store down)",
            ["result"],
            registry=self.registry,
        )
        self.feed_rebuilds = Counter(
            "chirp_feed_rebuilds_total",
            "Home feeds rebuilt from the database",
            registry=self.registry,
        )
        self.fanout_inserts = Counter(
            "chirp_fanout_inserts_total", "Status ids written to home feeds", registry=self.registry
        )
        self.fanout_lag = Histogram(
            "chirp_fanout_lag_seconds",
            "From a status's commit to its id in the last follower's feed",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.hot_reads = Counter(
            "chirp_hot_reads_total",
            "Hot routes: answered from process memory (hot), or handed to the database path "
            "(database: a page or a token it does not hold, or a request it leaves to FastAPI)",
            ["result"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "chirp_jobs_total",
            "Jobs run, by kind and result",
            ["kind", "result"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "chirp_queue_depth",
            "Jobs waiting: outbox rows not yet handed on, and messages in the broker queue",
            ["queue"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "chirp_dead_letters", "Jobs in the dead-letter table", registry=self.registry
        )
        self.streams_open = Gauge(
            "chirp_streaming_connections",
            "Open streaming connections in this process, by transport (sse, websocket)",
            ["transport"],
            registry=self.registry,
        )
        self.stream_events = Counter(
            "chirp_streaming_events_published_total",
            "Events published to streaming channels (one per channel), by event",
            ["event"],
            registry=self.registry,
        )
