"""Counting in fixed windows (chirp.core.tallies): in process memory, and as a passenger of
the change log's round trips, where one round's hits of a key become one INCRBY whose total
is shared out in order, an expiry is set once per key, and a failed round lets requests
through uncounted."""

from __future__ import annotations

import asyncio
from typing import Any

from chirp.core.tallies import LocalTally, RedisTally

DAY = 86_400


async def test_a_local_count_starts_again_in_the_next_window() -> None:
    now = [10 * DAY + 5.0]
    tally = LocalTally(clock=lambda: now[0])
    assert await tally.count([("a", DAY), ("b", 60)]) == [1, 1]
    assert await tally.count([("a", DAY), ("b", 60)]) == [2, 2]
    now[0] += 60  # b's minute is over, a's day is not
    assert await tally.count([("a", DAY), ("b", 60)]) == [3, 1]


class _Rounds:
    def __init__(self) -> None:
        self.passenger: Any = None
        self.next: asyncio.Future[bool] | None = None

    def soon(self) -> asyncio.Future[bool]:
        if self.next is None:
            self.next = asyncio.get_running_loop().create_future()
        return self.next

    def carry(self, passenger: Any) -> None:
        self.passenger = passenger


class _Pipe:
    """Runs the tally's script as Redis would (INCRBY each key; an expiry when it is new)."""

    def __init__(self, held: dict[str, int]) -> None:
        self.held = held
        self.expiring: list[str] = []
        self.calls: list[list[int]] = []

    def evalsha(self, sha: str, count: int, *keys_and_args: Any) -> None:
        keys, args = keys_and_args[:count], keys_and_args[count:]
        totals = []
        for n, key in enumerate(keys):
            hits = args[2 * n]
            self.held[key] = self.held.get(key, 0) + hits
            if self.held[key] == hits:
                self.expiring.append(key)
            totals.append(self.held[key])
        self.calls.append(totals)


def _key(held: dict[str, int], name: str) -> str:
    return next(k for k in held if f":{name}:" in k)


async def test_one_rounds_hits_of_a_key_share_one_increment_in_order() -> None:
    rounds, held = _Rounds(), {}
    tally = RedisTally(None, "p:", rounds, clock=lambda: DAY + 1.0)  # type: ignore[arg-type]
    warm = tally.count([("x", DAY)])  # another process, say
    rounds.passenger.board(pipe := _Pipe(held))
    rounds.passenger.land(pipe.calls)
    assert await warm == [1]
    first, second = tally.count([("x", DAY)]), tally.count([("x", DAY), ("y", DAY)])
    pipe = _Pipe(held)
    groups = rounds.passenger.board(pipe)
    assert groups == len(pipe.calls) <= 2  # one script call per group of keys
    rounds.passenger.land(pipe.calls)
    assert await first == [2] and await second == [3, 1]
    assert held[_key(held, "x")] == 3 and pipe.expiring == [_key(held, "y")]
    assert rounds.passenger.board(_Pipe(held)) == 0  # nothing pending: nothing sent


async def test_a_failed_round_lets_its_requests_through_uncounted() -> None:
    rounds = _Rounds()
    tally = RedisTally(None, "p:", rounds, clock=lambda: DAY + 1.0)  # type: ignore[arg-type]
    asked = tally.count([("x", DAY)])
    rounds.passenger.board(_Pipe({}))
    rounds.passenger.land(None)
    assert await asked is None
