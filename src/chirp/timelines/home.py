"""The home timeline, behind one interface the fan-out strategies plug into.

Every strategy reads the same *candidates* (statuses by the viewer and the accounts it follows,
and public posts carrying a tag it follows) and passes them through the same rules (Mastodon's
home rules, each status once, at its first appearance), so all three answer the same pages for
the same data. They differ only in where the candidates come from:

- ``pull``: the database, on every read (``PullHome``);
- ``push``: the viewer's feed, which fan-out filled on write (``PushHome``), and the database
  for anything older than the feed keeps;
- ``hybrid``: the feed, merged with the recent posts of followed authors that are too big to
  push (``HybridHome``).
See docs/timelines.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from chirp.accounts.repository import AccountRepository
from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.graph.relations import Relations
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.visibility import Shown
from chirp.tags.repository import TagRepository
from chirp.timelines.filtering import fill
from chirp.timelines.sources import Source, candidate_source, merged

if TYPE_CHECKING:
    from chirp.timelines.feeding import FeedReader


class HomeTimeline(Protocol):
    name: str
    # Whether fan-out writes this strategy's feeds at all (pull keeps none).
    keeps_feeds: bool

    async def page(self, uow: UnitOfWork, relations: Relations, page: Page) -> list[Status]:
        """The statuses of one page of the viewer's home timeline, newest first."""
        ...


def belongs_in_home(status: Shown, original: Shown | None, relations: Relations) -> bool:
    """Mastodon's home rules beyond visibility: no reblogs from follows that hide them, and
    no replies to accounts the viewer does not follow."""
    viewer = relations.viewer_id
    author = status.account_id
    if status.reblog_of_id is not None:
        follow = relations.following.get(author)
        if author != viewer and follow is not None and not follow.show_reblogs:
            return False
        status = original or status
    replied_to = status.in_reply_to_account_id
    if replied_to is None or replied_to in (status.account_id, viewer):
        return True
    return replied_to in relations.following


async def read_home(
    uow: UnitOfWork, relations: Relations, page: Page, source: Source
) -> list[Status]:
    """One page of home from ``source``'s candidates, through the home rules."""
    assert relations.viewer_id is not None
    viewer = relations.viewer_id
    repo = StatusRepository(uow)
    following = {viewer, *relations.following}
    # Whose reblogs can show here: an earlier reblog by anyone else must not hide a later one.
    reblog_shown = [viewer] + [
        a for a, f in relations.following.items() if f.show_reblogs and not relations.hides(a)
    ]
    first_reblog: dict[int, int] = {}

    async def fetch(cursor: Page) -> list[Status]:
        rows = await source(cursor)
        reblogged = {s.reblog_of_id for s in rows if s.reblog_of_id is not None}
        if reblogged:
            first_reblog.update(await repo.first_reblogs(reblogged, reblog_shown))
        return rows

    def rule(status: Status, original: Status | None) -> bool:
        if status.reblog_of_id is not None:
            # A status shows once, at its first appearance, as on Mastodon: not again when
            # a followed account reblogs what is already there (its own post, or an earlier
            # reblog by another followed account).
            if original is not None and original.account_id in following:
                return False
            if first_reblog.get(status.reblog_of_id, status.id) < status.id:
                return False
        if status.account_id in following:
            return belongs_in_home(status, original, relations)
        # Otherwise it came through a followed tag: public originals only.
        return status.visibility == "public" and status.reblog_of_id is None

    return await fill(uow, relations, page, fetch, rule)


def pull_source(uow: UnitOfWork, relations: Relations) -> Source:
    """The database's candidates; the followed tags are read on first use, so a read served
    from the feed alone never asks for them."""
    assert relations.viewer_id is not None
    viewer = relations.viewer_id
    loaded: list[Source] = []

    async def source(cursor: Page) -> list[Status]:
        if not loaded:
            tags = await TagRepository(uow).followed_names(viewer)
            loaded.append(candidate_source(uow, [viewer, *relations.following], tags))
        return await loaded[0](cursor)

    return source


class PullHome:
    name = "pull"
    keeps_feeds = False

    async def page(self, uow: UnitOfWork, relations: Relations, page: Page) -> list[Status]:
        return await read_home(uow, relations, page, pull_source(uow, relations))


class PushHome:
    name = "push"
    keeps_feeds = True

    def __init__(self, feeds: FeedReader) -> None:
        self.feeds = feeds

    async def page(self, uow: UnitOfWork, relations: Relations, page: Page) -> list[Status]:
        pull = pull_source(uow, relations)
        source = await self.feeds.source(uow, relations, self.name, pull)
        return await read_home(uow, relations, page, source)


class HybridHome(PushHome):
    name = "hybrid"

    async def page(self, uow: UnitOfWork, relations: Relations, page: Page) -> list[Status]:
        pull = pull_source(uow, relations)
        feed = await self.feeds.source(uow, relations, self.name, pull)
        big = await AccountRepository(uow).pulled_among(relations.following)
        if not big:
            return await read_home(uow, relations, page, feed)
        repo = StatusRepository(uow)

        async def pulled(cursor: Page) -> list[Status]:
            return await repo.by_accounts(big, cursor)

        return await read_home(uow, relations, page, merged(feed, pulled))


StrategyFactory = Callable[["FeedReader"], HomeTimeline]
STRATEGIES: dict[str, StrategyFactory] = {
    "pull": lambda _: PullHome(),
    "push": PushHome,
    "hybrid": HybridHome,
}
