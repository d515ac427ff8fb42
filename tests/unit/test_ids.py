"""Snowflake ids: time-ordered, shard-carrying, unique across generators."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from chirp.core import ids
from chirp.core.ids import IdGenerator


def test_ids_carry_their_shard_and_fit_a_signed_bigint() -> None:
    gen = IdGenerator(node=5)
    for shard in (0, 1, 511, 1023):
        value = gen.next_id(shard)
        assert ids.shard_of(value) == shard
        assert 0 < value <= ids.MAX_ID


def test_one_processs_ids_strictly_grow_whatever_the_shard() -> None:
    gen = IdGenerator(node=0)
    values = [gen.next_id(shard) for shard in [1023, 0, 700, 3] * 50]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_more_than_64_ids_in_a_millisecond_wait_rather_than_repeat() -> None:
    gen = IdGenerator(node=0)
    values = [gen.next_id(7) for _ in range(5000)]
    assert len(set(values)) == 5000
    assert values == sorted(values)


def test_generators_on_different_nodes_never_collide_across_threads() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def mint(node: int) -> None:
        gen = IdGenerator(node=node)
        local = [gen.next_id(42) for _ in range(3000)]
        with lock:
            seen.extend(local)

    threads = [threading.Thread(target=mint, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == len(seen) == 12000


def test_time_of_reads_back_the_minting_time() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=2)
    value = IdGenerator(node=1).next_id(3)
    assert before <= ids.time_of(value) <= datetime.now(UTC) + timedelta(milliseconds=2)
    assert ids.lowest_id_at(ids.time_of(value)) <= value


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("123", 123),
        (123, 123),
        ("", None),
        ("abc", None),
        ("-1", None),
        ("0", None),
        ("1" * 20, None),
        (str(2**63), None),
        ("12 ", None),
    ],
)
def test_parse_id_accepts_only_what_could_be_an_id(raw: object, expected: int | None) -> None:
    assert ids.parse_id(raw) == expected


def test_bad_node_or_shard_is_refused() -> None:
    with pytest.raises(ValueError):
        IdGenerator(node=64)
    with pytest.raises(ValueError):
        IdGenerator(node=0).next_id(1024)
