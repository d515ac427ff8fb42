"""Leasing this process's id-generator node number (0-63), once, at start-up.

Ids need no coordination per id, only a node number no other live process holds:

* ``CHIRP_NODE_ID`` set: that number, the operator's promise.
* Redis configured: a ``SET NX EX`` lease, renewed by a daemon thread, so processes on many
  hosts share the 64 slots and a dead process's slot frees itself after the lease time.
* Otherwise (the embedded default, one host): an exclusive ``flock`` on a file in the data
  directory, which the kernel releases when the process dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
import uuid
from pathlib import Path
from typing import IO

import structlog

from chirp.config import Settings
from chirp.core.ids import NODE_COUNT

log = structlog.get_logger(__name__)

LEASE_SECONDS = 30
_held: list[IO[bytes]] = []  # keeps the file locks open for the life of the process


class NoFreeNode(RuntimeError):
    pass


def lease_node_id(settings: Settings) -> int:
    if settings.node_id is not None:
        return settings.node_id
    if settings.redis_url:
        return _lease_from_redis(settings.redis_url)
    return _lease_from_files(settings.data_dir / "nodes")


def _lease_from_files(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    start = os.getpid() % NODE_COUNT
    for offset in range(NODE_COUNT):
        node = (start + offset) % NODE_COUNT
        handle = (folder / f"{node}.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _held.append(handle)
        return node
    raise NoFreeNode(f"all {NODE_COUNT} node slots in {folder} are held by running processes")


def _lease_from_redis(url: str) -> int:
    import redis  # the embedded default never imports it

    client = redis.Redis.from_url(url)
    owner = uuid.uuid4().hex
    start = os.getpid() % NODE_COUNT
    for offset in range(NODE_COUNT):
        node = (start + offset) % NODE_COUNT
        key = f"chirp:node:{node}"
        if client.set(key, owner, nx=True, ex=LEASE_SECONDS):
            threading.Thread(
                target=_renew, args=(client, key, owner), daemon=True, name="node-lease"
            ).start()
            return node
    raise NoFreeNode(f"all {NODE_COUNT} node slots are leased in Redis")


def _renew(client: object, key: str, owner: str) -> None:
    import redis

    assert isinstance(client, redis.Redis)
    stop = threading.Event()
    while not stop.wait(LEASE_SECONDS / 3):
        try:
            current = client.get(key)
            if isinstance(current, bytes):
                current = current.decode()
            if current is not None and current != owner:
                log.error("node_lease_lost", key=key)
                return
            client.set(key, owner, ex=LEASE_SECONDS)
        except redis.RedisError as exc:
            log.warning("node_lease_renew_failed", key=key, error=str(exc))
