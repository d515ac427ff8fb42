"""Leasing an id-generator node: no two live holders share one."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from chirp.core import node


def test_file_leases_in_one_folder_never_repeat(tmp_path: Path) -> None:
    taken = {node._lease_from_files(tmp_path) for _ in range(10)}
    assert len(taken) == 10


def test_a_full_folder_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node, "NODE_COUNT", 2)
    node._lease_from_files(tmp_path)
    node._lease_from_files(tmp_path)
    with pytest.raises(node.NoFreeNode):
        node._lease_from_files(tmp_path)


def test_redis_leases_never_repeat_while_held() -> None:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("test_redis_leases_never_repeat_while_held: no Redis on 127.0.0.1:6379")
    client.flushdb()
    try:
        taken = {node._lease_from_redis("redis://127.0.0.1:6379/15") for _ in range(5)}
        assert len(taken) == 5
        assert all(client.ttl(f"chirp:node:{n}") > 0 for n in taken)
    finally:
        client.flushdb()
