"""The Redis client every process shares: a bounded pool of asyncio connections that pack
commands with hiredis.

redis-py's asyncio connection packs a command in Python, argument by argument, even where
hiredis is installed (its blocking connection uses hiredis's packer then). A fan-out sends a
thousand feed keys per batch, and packing them was half of its time in this process
(``bench.fanout``, see bench/BASELINE.md): the subclass packs with hiredis, as the blocking
client does.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import Connection
from redis.connection import HiredisRespSerializer
from redis.utils import HIREDIS_AVAILABLE


class HiredisPackedConnection(Connection):
    _packer = HiredisRespSerializer()

    def pack_command(self, *args: Any) -> list[bytes]:
        packed: list[bytes] = self._packer.pack(*args)
        return packed


def connect(url: str, size: int, *, timeout: float = 5) -> Redis:
    """A client over a pool of ``size`` connections: past it a call waits for one (up to
    ``timeout`` seconds) instead of failing, so a burst of fan-out or reads queues rather
    than errors. Closing the client closes the pool."""
    options: dict[str, Any] = {"max_connections": size, "timeout": timeout}
    if HIREDIS_AVAILABLE and url.startswith("redis://"):
        options["connection_class"] = HiredisPackedConnection
    return Redis.from_pool(BlockingConnectionPool.from_url(url, **options))
