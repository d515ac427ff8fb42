"""The connection pools' gauges, for the process's Prometheus registry."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool

from chirp.db.shards import ShardMap


class PoolCollector(Collector):
    """Reads each shard's connection pool when scraped, so nothing is tracked per checkout."""

    def __init__(self, shards: ShardMap) -> None:
        self._shards = shards

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = GaugeMetricFamily(
            "chirp_db_pool_connections_in_use", "Connections checked out", labels=["shard"]
        )
        idle = GaugeMetricFamily(
            "chirp_db_pool_connections_idle", "Connections idle in the pool", labels=["shard"]
        )
        size = GaugeMetricFamily("chirp_db_pool_size", "Configured pool size", labels=["shard"])
        for shard in self._shards.physical:
            pool = shard.engine.sync_engine.pool
            label = [str(shard.index)]
            if isinstance(pool, QueuePool):
                in_use.add_metric(label, pool.checkedout())
                idle.add_metric(label, pool.checkedin())
                size.add_metric(label, pool.size())
        yield from (in_use, idle, size)
