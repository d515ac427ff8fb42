"""Push, pull and hybrid give the same home timeline as a reference model, page for page.

A Hypothesis state machine applies random follows, unfollows, posts (some replies), deletes,
reblogs, unreblogs, blocks, mutes and their undoing through the services; after each step the
outbox's events are delivered to three runtimes (one per strategy, each with its own feed
store) and every account's home, read page by page, must equal the model's. Feeds are tiny (3
entries) so reads also cross from the feed into the database below it, and the hybrid threshold
is one follower so authors switch from pushed to pulled mid-run.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from chirp.accounts import admin
from chirp.config import Settings
from chirp.core.errors import APIError
from chirp.core.pagination import Page
from chirp.graph import service as graph
from chirp.jobs.repository import OutboxRepository
from chirp.posts import interactions
from chirp.posts import service as posts
from chirp.posts.schemas import StatusCreate
from chirp.runtime import Runtime
from chirp.timelines import service as timelines
from tests.conftest import PASSWORD, empty_all_tables

USERS = 4
STRATEGIES = ("push", "pull", "hybrid")
PAIRS = st.tuples(st.integers(0, USERS - 1), st.integers(0, USERS - 2))  # two distinct users


@dataclass
class Post:
    id: int
    author: int
    visibility: str
    reply_to_account: int | None = None
    reblog_of: int | None = None


@dataclass
class Model:
    posts: dict[int, Post] = field(default_factory=dict)
    follows: set[tuple[int, int]] = field(default_factory=set)
    blocks: set[tuple[int, int]] = field(default_factory=set)
    mutes: set[tuple[int, int]] = field(default_factory=set)

    def following(self, viewer: int) -> set[int]:
        return {b for a, b in self.follows if a == viewer}

    def hides(self, viewer: int, other: int) -> bool:
        if other == viewer:
            return False
        return (viewer, other) in self.blocks | self.mutes or (other, viewer) in self.blocks

    def can_see(self, viewer: int, post: Post) -> bool:
        if post.author == viewer:
            return True
        if (post.author, viewer) in self.blocks:
            return False
        if post.visibility in ("public", "unlisted"):
            return True
        return post.author in self.following(viewer)  # private, and nobody is mentioned

    def home(self, viewer: int) -> list[int]:
        following = self.following(viewer)
        present = {viewer, *following}
        reblog_shown = {viewer} | {a for a in following if not self.hides(viewer, a)}
        shown = []
        for post in self.posts.values():
            if post.author not in present or not self.can_see(viewer, post):
                continue
            if self.hides(viewer, post.author):
                continue
            subject = post
            if post.reblog_of is not None:
                original = self.posts[post.reblog_of]
                if not self.can_see(viewer, original) or self.hides(viewer, original.author):
                    continue
                if original.author in present:
                    continue  # already there
                earlier = [
                    p.id
                    for p in self.posts.values()
                    if p.reblog_of == original.id and p.author in reblog_shown
                ]
                if min(earlier, default=post.id) < post.id:
                    continue  # shown once, at its first appearance
                subject = original
            replied = subject.reply_to_account
            if replied is not None and replied not in (subject.author, viewer, *following):
                continue
            shown.append(post.id)
        return sorted(shown, reverse=True)


def _runtime(base: Settings, strategy: str) -> Runtime:
    update: dict[str, Any] = {"timeline_strategy": strategy, "feed_size": 3, "hybrid_threshold": 1}
    if not base.redis_url:
        # Four runtimes over one database, as four processes: without Redis to share a cache,
        # a reader must not keep what the writer's changes would invalidate.
        caches = ("relations_cache_seconds", "status_cache_seconds", "account_cache_seconds")
        update |= dict.fromkeys(caches, 0)
    return Runtime.build(base.model_copy(update=update))


class HomeStrategies(RuleBasedStateMachine):
    base: Settings

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.writer = _runtime(self.base, "pull")

        async def keep(_: list[int]) -> None:  # events stay in the outbox for deliver()
            return None

        self.writer.jobs.committed = keep  # type: ignore[method-assign]
        self.readers = {name: _runtime(self.base, name) for name in STRATEGIES}
        self.model = Model()
        self.users: list[int] = []

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        async def close() -> None:
            for rt in (self.writer, *self.readers.values()):
                await rt.close()

        self.run(close())
        self.loop.close()

    @initialize(follows=st.sets(PAIRS, min_size=3, max_size=8))
    def accounts(self, follows: set[tuple[int, int]]) -> None:
        async def make() -> list[int]:
            await empty_all_tables(self.writer)
            await self.writer.feeds.clear()
            for rt in self.readers.values():
                await rt.feeds.clear()
            return [
                await admin.create_account(
                    self.writer, f"user{n}", f"user{n}@example.com", PASSWORD, admin=False
                )
                for n in range(USERS)
            ]

        self.users = self.run(make())
        # Start from a graph, so that short runs already fan out to followers.
        for pair in sorted(follows):
            self.follow(pair, True)

    async def deliver(self) -> None:
        """Hand every recorded event to each strategy's runtime, then clear the outbox."""
        later = self.writer.clock.now() + timedelta(days=1)
        async with self.writer.uow(write=True) as uow:
            repo = OutboxRepository(uow)
            events = []
            for shard in self.writer.shards.physical:
                events += await repo.claim(shard, later, later, 10_000)
            for shard in self.writer.shards.physical:
                await repo.done_many(shard, [e.id for e in events])
            await uow.commit()
        for event in sorted(events, key=lambda e: e.id):
            for rt in self.readers.values():
                await rt.jobs.handlers.execute(event.kind, event.payload)

    def act(self, coro: Any) -> Any:
        async def step() -> Any:
            try:
                return await coro
            except APIError:
                return None  # refused (a block, say): the model must refuse it too
            finally:
                await self.deliver()

        return self.run(step())

    def pair(self, pair: tuple[int, int]) -> tuple[int, int]:
        a, k = pair
        return self.users[a], self.users[(a + 1 + k) % USERS]

    # -- rules -----------------------------------------------------------------------------

    @rule(
        who=st.integers(0, USERS - 1),
        visibility=st.sampled_from(["public", "private"]),
        reply=st.booleans(),
        pick=st.integers(0, 1000),
    )
    def post(self, who: int, visibility: str, reply: bool, pick: int) -> None:
        author = self.users[who]
        parents = [
            p
            for p in self.model.posts.values()
            if p.reblog_of is None and self.model.can_see(author, p)
        ]
        parent = parents[pick % len(parents)] if reply and parents else None
        data = StatusCreate(
            status=f"post by {who}",
            visibility=visibility,
            in_reply_to_id=str(parent.id) if parent else None,
        )
        view = self.act(posts.create(self.writer, author, data, None))
        assert view is not None
        status_id = int(view["id"])
        self.model.posts[status_id] = Post(
            status_id, author, visibility, parent.author if parent else None
        )

    @rule(who=st.integers(0, USERS - 1), pick=st.integers(0, 1000))
    def reblog(self, who: int, pick: int) -> None:
        booster = self.users[who]
        originals = [p for p in self.model.posts.values() if p.reblog_of is None]
        if not originals:
            return
        original = originals[pick % len(originals)]
        view = self.act(interactions.reblog(self.writer, booster, str(original.id), "public"))
        allowed = (original.author, booster) not in self.model.blocks and (
            original.visibility == "public" or original.author == booster
        )
        assert (view is not None) == allowed
        if view is not None:
            reblog_id = int(view["id"])
            self.model.posts.setdefault(
                reblog_id, Post(reblog_id, booster, "public", reblog_of=original.id)
            )

    @rule(pick=st.integers(0, 1000))
    def delete(self, pick: int) -> None:
        if not self.model.posts:
            return
        post = list(self.model.posts.values())[pick % len(self.model.posts)]
        if post.reblog_of is not None:
            original = self.model.posts[post.reblog_of]
            self.act(interactions.unreblog(self.writer, post.author, str(original.id)))
        else:
            self.act(posts.delete(self.writer, str(post.id), post.author))
        gone = {post.id} | {p.id for p in self.model.posts.values() if p.reblog_of == post.id}
        for status_id in gone:
            del self.model.posts[status_id]

    @rule(pair=PAIRS, on=st.sampled_from([True, True, False]))
    def follow(self, pair: tuple[int, int], on: bool) -> None:
        x, y = self.pair(pair)
        if on:
            self.act(graph.follow(self.writer, x, str(y), reblogs=None, notify=None))
            if (x, y) not in self.model.blocks and (y, x) not in self.model.blocks:
                self.model.follows.add((x, y))
        else:
            self.act(graph.unfollow(self.writer, x, str(y)))
            self.model.follows.discard((x, y))

    @rule(pair=PAIRS, on=st.booleans())
    def block(self, pair: tuple[int, int], on: bool) -> None:
        x, y = self.pair(pair)
        if on:
            self.act(graph.block(self.writer, x, str(y)))
            self.model.blocks.add((x, y))
            self.model.follows -= {(x, y), (y, x)}
        else:
            self.act(graph.unblock(self.writer, x, str(y)))
            self.model.blocks.discard((x, y))

    @rule(pair=PAIRS, on=st.booleans())
    def mute(self, pair: tuple[int, int], on: bool) -> None:
        x, y = self.pair(pair)
        if on:
            self.act(graph.mute(self.writer, x, str(y), notifications=True, duration=0))
            self.model.mutes.add((x, y))
        else:
            self.act(graph.unmute(self.writer, x, str(y)))
            self.model.mutes.discard((x, y))

    # -- the property ------------------------------------------------------------------------

    @invariant()
    def every_strategy_equals_the_model(self) -> None:
        if not self.users:
            return

        async def pages(rt: Runtime, viewer: int) -> list[list[int]]:
            found, cursor = [], Page(limit=2)
            for _ in range(50):
                page = [int(s["id"]) for s in await timelines.home(rt, viewer, cursor)]
                if not page:
                    return found
                found.append(page)
                cursor = Page(limit=2, max_id=page[-1])
            raise AssertionError("paging did not end")

        for viewer in self.users:
            expected = self.model.home(viewer)
            by_strategy = {name: self.run(pages(rt, viewer)) for name, rt in self.readers.items()}
            for name, got in by_strategy.items():
                assert [i for page in got for i in page] == expected, (name, viewer)
            assert by_strategy["push"] == by_strategy["pull"] == by_strategy["hybrid"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_push_pull_and_hybrid_give_the_models_home_page_for_page(settings: Settings) -> None:
    HomeStrategies.base = settings
    case = HomeStrategies.TestCase
    case.settings = hypothesis_settings(
        # More for a hunt: CHIRP_HOME_EXAMPLES=200 pytest -p no:xdist tests/integration/...
        max_examples=int(os.environ.get("CHIRP_HOME_EXAMPLES", "6")),
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    case().runTest()
