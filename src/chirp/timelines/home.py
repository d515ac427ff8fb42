"""The home timeline, behind one interface that fan-out strategies plug into.

``HomeTimeline`` answers the ids of a page of a viewer's home timeline. ``PullHome`` computes
it on read from the followed accounts' (and followed tags') recent posts: correct for any
data, and the reference the push and hybrid strategies of the timeline engine must match.
"""

from __future__ import annotations

from typing import Protocol

from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.graph.relations import Relations
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.tags.repository import TagRepository
from chirp.timelines.filtering import fill


class HomeTimeline(Protocol):
    async def page(self, uow: UnitOfWork, relations: Relations, page: Page) -> list[Status]:
        """The statuses of one page of the viewer's home timeline, newest first."""
        ...


def belongs_in_home(status: Status, original: Status | None, relations: Relations) -> bool:
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


class PullHome:
    async def page(self, uow: UnitOfWork, relations: Relations, page: Page) -> list[Status]:
        assert relations.viewer_id is not None
        viewer = relations.viewer_id
        repo = StatusRepository(uow)
        authors = [viewer, *relations.following]
        tags = await TagRepository(uow).followed_names(viewer)

        following = {viewer, *relations.following}
        # Whose reblogs can show here: an earlier reblog by anyone else must not hide a later one.
        reblog_shown = [viewer] + [
            a for a, f in relations.following.items() if f.show_reblogs and not relations.hides(a)
        ]
        first_reblog: dict[int, int] = {}

        async def fetch(cursor: Page) -> list[Status]:
            rows = await repo.by_accounts(authors, cursor)
            if tags:
                tagged = await repo.tagged(tags, cursor)
                extra = set(tagged) - {s.id for s in rows}
                rows += list((await repo.get_many(extra)).values())
                rows = _within_both(rows, [s.id for s in rows if s.id not in extra], tagged, cursor)
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


def _within_both(
    rows: list[Status], authored: list[int], tagged: list[int], cursor: Page
) -> list[Status]:
    """Two streams merged: keep only the id range both of them covered, so the next batch
    (which starts past the last row kept) skips nothing from the stream that was cut short."""
    bounds = [ids for ids in (authored, tagged) if len(ids) >= cursor.limit]
    if not bounds:
        return rows
    if cursor.ascending:
        ceiling = min(max(ids) for ids in bounds)
        return [s for s in rows if s.id <= ceiling]
    floor = max(min(ids) for ids in bounds)
    return [s for s in rows if s.id >= floor]


STRATEGIES: dict[str, HomeTimeline] = {"pull": PullHome()}
