"""Accounts and the follow graph.

Each account gets a popularity rank (a random permutation, so the most followed accounts are
not simply the oldest). A follow picks its target with weight 1/(rank+1): the Zipf law that
gives a few accounts very many followers and most accounts few. How many accounts each one
follows is Pareto-distributed too, scaled so the edges add up to the scale's exact count.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from chirp.core.ids import time_of
from chirp.db.shards import shard_for_key
from chirp.seed import ids
from chirp.seed.rows import follow_row
from chirp.seed.words import ADJECTIVES, NOUNS

DAY_MS = 86_400_000


@dataclass(slots=True)
class Population:
    usernames: list[str]
    ids: list[int]
    popularity: list[float]  # cumulative target weights, indexed like ``ids``
    followers: list[int] = field(default_factory=list)
    following: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def shard(self, index: int) -> int:
        return self.ids[index] & 1023


def accounts(rng: random.Random, count: int, first_ms: int, last_ms: int) -> Population:
    """``count`` accounts created between two instants (ms since the id epoch)."""
    names = [
        f"{ADJECTIVES[i % len(ADJECTIVES)]}_{NOUNS[(i // len(ADJECTIVES)) % len(NOUNS)]}{i}"
        for i in range(count)
    ]
    stream = ids.IdStream(ids.ACCOUNT)
    created = sorted(rng.randrange(first_ms, last_ms) for _ in range(count))
    account_ids = [
        stream.mint(ms, shard_for_key(name.lower()))
        for ms, name in zip(created, names, strict=True)
    ]
    ranks = list(range(count))
    rng.shuffle(ranks)
    weights = [1.0 / (rank + 1) for rank in ranks]
    return Population(
        usernames=names,
        ids=account_ids,
        popularity=list(itertools.accumulate(weights)),
        followers=[0] * count,
        following=[0] * count,
    )


def out_degrees(rng: random.Random, count: int, edges: int) -> list[int]:
    """How many accounts each account follows: heavy-tailed, each below ``count``, summing to
    exactly ``edges``."""
    cap = count - 1
    raw = [rng.paretovariate(2.0) for _ in range(count)]
    scale = edges / sum(raw)
    degrees = [min(cap, int(r * scale)) for r in raw]
    missing = edges - sum(degrees)
    while missing:
        index = rng.randrange(count)
        if missing > 0 and degrees[index] < cap:
            degrees[index] += 1
            missing -= 1
        elif missing < 0 and degrees[index] > 0:
            degrees[index] -= 1
            missing += 1
    return degrees


def follows(
    rng: random.Random, people: Population, edges: int, first_ms: int, last_ms: int
) -> Iterator[list[dict[str, object]]]:
    """Follow rows, one follower's at a time (a batch per follower), spread over the window."""
    count = len(people)
    population = range(count)
    stream = ids.IdStream(ids.FOLLOW)
    step = max(1, (last_ms - first_ms) // max(1, edges))
    made = 0
    for follower, degree in enumerate(out_degrees(rng, count, edges)):
        if not degree:
            continue
        targets = _distinct_targets(rng, people, population, follower, degree)
        rows = []
        for target in sorted(targets):
            follow_id = stream.mint(first_ms + made * step, people.shard(follower))
            made += 1
            people.followers[target] += 1
            rows.append(
                follow_row(follow_id, people.ids[follower], people.ids[target], time_of(follow_id))
            )
        people.following[follower] = degree
        yield rows


def _distinct_targets(
    rng: random.Random, people: Population, population: range, follower: int, degree: int
) -> set[int]:
    # The first ``degree`` distinct weighted draws (a dict keeps draw order); the heavy head
    # repeats, so draw a few times, then top up uniformly from what is left.
    chosen: dict[int, None] = {}
    for _ in range(4):
        need = degree - len(chosen)
        if need <= 0:
            break
        for pick in rng.choices(population, cum_weights=people.popularity, k=need * 2):
            if pick != follower:
                chosen[pick] = None
                if len(chosen) == degree:
                    break
    if len(chosen) < degree:
        rest = [i for i in population if i != follower and i not in chosen]
        chosen.update(dict.fromkeys(rng.sample(rest, degree - len(chosen))))
    return set(chosen)
