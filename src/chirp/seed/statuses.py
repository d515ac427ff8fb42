"""Statuses, their mentions and hashtags, and favourites, with exact counters.

Built in two passes. ``plan`` decides, in time order, who posts what kind of status (original,
reply, reblog), its visibility, mentions, tags and the favourites it gets, counting replies,
reblogs and favourites as it goes. ``rows`` then renders each status (through the same
renderer the API uses) with its final counters, so nothing is updated after insert.
"""

from __future__ import annotations

import itertools
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from chirp.core.ids import TIME_SHIFT, time_of
from chirp.posts import content
from chirp.seed import ids
from chirp.seed.graph import Population
from chirp.seed.words import TAGS, WORDS

REBLOG_SHARE = 0.12
REPLY_SHARE = 0.18
MENTION_SHARE = 0.10
TAG_SHARE = 0.25
VISIBILITY = (("public", 0.80), ("unlisted", 0.10), ("private", 0.08), ("direct", 0.02))
RECENT = 2_000  # replies and reblogs mostly pick among this many latest shareable statuses
FAVOURITE_DELAY_MS = 6 * 3_600_000  # mean delay between a status and a favourite of it


@dataclass(slots=True)
class Plan:
    ids: list[int] = field(default_factory=list)
    author: array[int] = field(default_factory=lambda: array("i"))
    parent: array[int] = field(default_factory=lambda: array("i"))  # reply to; -1: none
    reblog_of: array[int] = field(default_factory=lambda: array("i"))  # -1: an original
    visibility: list[str] = field(default_factory=list)
    mentions: dict[int, tuple[int, ...]] = field(default_factory=dict)  # -> account indexes
    tags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    replies: array[int] = field(default_factory=lambda: array("i"))
    reblogs: array[int] = field(default_factory=lambda: array("i"))
    favourites: array[int] = field(default_factory=lambda: array("i"))
    # (favourite id, account index, status index), in id order
    favourite_rows: list[tuple[int, int, int]] = field(default_factory=list)
    statuses_count: list[int] = field(default_factory=list)
    last_status_ms: dict[int, int] = field(default_factory=dict)  # account index -> ms


def plan(
    rng: random.Random,
    people: Population,
    count: int,
    favourites: int,
    first_ms: int,
    last_ms: int,
) -> Plan:
    out = Plan(statuses_count=[0] * len(people))
    weights = _weights(people.popularity)
    # Popular accounts post more, though less than in proportion to their followers.
    activity = list(itertools.accumulate(w**0.5 for w in weights))
    authors = rng.choices(range(len(people)), cum_weights=activity, k=count)
    times = sorted(rng.randrange(first_ms, last_ms) for _ in range(count))
    stream = ids.IdStream(ids.STATUS)
    shareable: list[int] = []  # public/unlisted originals and replies, oldest first
    reblogged: set[tuple[int, int]] = set()
    names = [name for name, _ in VISIBILITY]
    shares = [share for _, share in VISIBILITY]
    for index, (author, ms) in enumerate(zip(authors, times, strict=True)):
        out.ids.append(stream.mint(ms, people.shard(author)))
        out.author.append(author)
        out.replies.append(0)
        out.reblogs.append(0)
        out.favourites.append(0)
        out.statuses_count[author] += 1
        roll = rng.random()
        target = _recent(rng, shareable) if shareable else -1
        if roll < REBLOG_SHARE and target >= 0 and out.author[target] != author:
            if (author, target) not in reblogged:
                reblogged.add((author, target))
                out.parent.append(-1)
                out.reblog_of.append(target)
                out.visibility.append("public")
                out.reblogs[target] += 1
                continue
        out.reblog_of.append(-1)
        out.last_status_ms[author] = ms
        visibility = rng.choices(names, weights=shares)[0]
        mentioned: list[int] = []
        if REBLOG_SHARE <= roll < REBLOG_SHARE + REPLY_SHARE and target >= 0:
            out.parent.append(target)
            out.replies[target] += 1
            if out.author[target] != author:
                mentioned.append(out.author[target])
        else:
            out.parent.append(-1)
        if (visibility == "direct" and not mentioned) or rng.random() < MENTION_SHARE:
            other = rng.choices(range(len(people)), cum_weights=people.popularity)[0]
            if other != author and other not in mentioned:
                mentioned.append(other)
        if visibility == "direct" and not mentioned:
            visibility = "private"
        out.visibility.append(visibility)
        if mentioned:
            out.mentions[index] = tuple(mentioned)
        if rng.random() < TAG_SHARE:
            picked = rng.choices(TAGS, cum_weights=_TAG_WEIGHTS, k=rng.randint(1, 2))
            out.tags[index] = tuple(dict.fromkeys(picked))
        if visibility in ("public", "unlisted"):
            shareable.append(index)
    _favourites(rng, people, out, weights, favourites, last_ms)
    return out


_TAG_WEIGHTS = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(TAGS))))


def _weights(cumulative: list[float]) -> list[float]:
    return [b - a for a, b in zip([0.0, *cumulative[:-1]], cumulative, strict=True)]


def _recent(rng: random.Random, pool: list[int]) -> int:
    """A shareable status, most often a recent one."""
    back = int(rng.expovariate(1 / RECENT))
    return pool[max(0, len(pool) - 1 - back)]


def _favourites(
    rng: random.Random,
    people: Population,
    out: Plan,
    weights: list[float],
    total: int,
    last_ms: int,
) -> None:
    """Favourites of shareable statuses, more of popular authors', each one once per account."""
    candidates = [
        i
        for i, v in enumerate(out.visibility)
        if v in ("public", "unlisted") and out.reblog_of[i] < 0
    ]
    if not candidates or not total:
        return
    cumulative = list(itertools.accumulate(weights[out.author[i]] for i in candidates))
    taken: set[tuple[int, int]] = set()
    planned: list[tuple[int, int, int]] = []  # (ms, account index, status index)
    accounts = len(people)
    for _ in range(8):  # popular statuses repeat; draw again until the total is reached
        for status in rng.choices(candidates, cum_weights=cumulative, k=total - len(planned)):
            fan = rng.randrange(accounts)
            if fan == out.author[status] or (fan, status) in taken:
                continue
            taken.add((fan, status))
            posted = out.ids[status] >> TIME_SHIFT
            ms = min(last_ms, posted + int(rng.expovariate(1 / FAVOURITE_DELAY_MS)))
            planned.append((ms, fan, status))
        if len(planned) >= total:
            break
    planned.sort()
    stream = ids.IdStream(ids.FAVOURITE)
    for ms, fan, status in planned:
        out.favourite_rows.append((stream.mint(ms, people.shard(fan)), fan, status))
        out.favourites[status] += 1


def rows(
    rng: random.Random, people: Population, p: Plan, base_url: str, domain: str, batch: int
) -> Iterator[tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]]:
    """(statuses, mentions, tags) rows, ``batch`` statuses at a time."""
    statuses: list[dict[str, object]] = []
    mentions: list[dict[str, object]] = []
    tags: list[dict[str, object]] = []
    for index, status_id in enumerate(p.ids):
        author = p.author[index]
        original = p.reblog_of[index]
        parent = p.parent[index]
        text = rendered = ""
        if original < 0:
            mentioned = [people.usernames[a] for a in p.mentions.get(index, ())]
            tagged = p.tags.get(index, ())
            sentence = " ".join(rng.choices(WORDS, k=rng.randint(6, 30))).capitalize() + "."
            text = " ".join([*(f"@{u}" for u in mentioned), sentence, *(f"#{t}" for t in tagged)])
            targets = {
                people.usernames[a].lower(): content.MentionTarget(
                    people.ids[a], people.usernames[a]
                )
                for a in p.mentions.get(index, ())
            }
            rendered = content.render(text, base_url, domain, targets)
            for target in targets.values():
                mentions.append(
                    {
                        "status_id": status_id,
                        "account_id": target.account_id,
                        "username": target.username,
                    }
                )
            for name in tagged:
                tags.append(
                    {
                        "status_id": status_id,
                        "name": name,
                        "display": name,
                        "visibility": p.visibility[index],
                        "account_id": people.ids[author],
                    }
                )
        statuses.append(
            {
                "id": status_id,
                "account_id": people.ids[author],
                "in_reply_to_id": p.ids[parent] if parent >= 0 else None,
                "in_reply_to_account_id": people.ids[p.author[parent]] if parent >= 0 else None,
                "reblog_of_id": p.ids[original] if original >= 0 else None,
                "reblog_of_account_id": people.ids[p.author[original]] if original >= 0 else None,
                "text": text,
                "content": rendered,
                "spoiler_text": "",
                "sensitive": False,
                "visibility": p.visibility[index],
                "language": "en" if original < 0 else None,
                "replies_count": p.replies[index],
                "reblogs_count": p.reblogs[index],
                "favourites_count": p.favourites[index],
                "app_id": None,
                "created_at": time_of(status_id),
                "edited_at": None,
            }
        )
        if len(statuses) >= batch:
            yield statuses, mentions, tags
            statuses, mentions, tags = [], [], []
    if statuses:
        yield statuses, mentions, tags


def favourite_rows(people: Population, p: Plan, batch: int) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(p.favourite_rows), batch):
        yield [
            {
                "id": favourite_id,
                "account_id": people.ids[fan],
                "status_id": p.ids[status],
                "created_at": time_of(favourite_id),
            }
            for favourite_id, fan, status in p.favourite_rows[start : start + batch]
        ]
