"""What a viewer's graph says about other accounts, loaded once per request.

Visibility and timeline filters ask the same questions many times (do I follow them, have
they blocked me, did I mute them); this answers them from sets loaded in a fixed number of
queries: the viewer's own follows, blocks and mutes from the viewer's shard (one query), and
"who blocks me" from every database at once; or none, when the viewer's edges are cached
(chirp.graph.cache).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from chirp.db.uow import UnitOfWork
from chirp.graph.models import Block
from chirp.graph.repository import GraphRepository

if TYPE_CHECKING:
    from chirp.accounts.standing import Standing
    from chirp.graph.cache import Edges, RelationsCache
    from chirp.graph.platform import GraphPlatform


class Followed(NamedTuple):
    """A follow as timelines need it."""

    target_id: int
    show_reblogs: bool


@dataclass(slots=True)
class Relations:
    viewer_id: int | None
    following: dict[int, Followed] = field(default_factory=dict)
    blocking: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)
    muting: set[int] = field(default_factory=set)
    muting_notifications: set[int] = field(default_factory=set)  # muted, notifications too
    # When the first timed mute runs out: these relations hold until then (None: for good).
    until: datetime | None = None
    # Moderation, the same for every viewer (chirp.accounts.standing's live sets): suspended
    # accounts are gone for everyone; silenced ones are quiet, seen only by their followers.
    gone: Set[int] = frozenset()
    quiet: Set[int] = frozenset()

    @classmethod
    async def of(cls, rt: GraphPlatform, uow: UnitOfWork, viewer_id: int | None) -> Relations:
        """The viewer's relations now, through the runtime's cache."""
        return await cls.load(uow, viewer_id, rt.clock.now(), rt.relations, rt.standing)

    @classmethod
    def anonymous(cls, standing: Standing | None) -> Relations:
        if standing is None:
            return cls(None)
        return cls(None, gone=standing.suspended, quiet=standing.silenced)

    @classmethod
    async def load(
        cls,
        uow: UnitOfWork,
        viewer_id: int | None,
        now: datetime,
        cache: RelationsCache | None = None,
        standing: Standing | None = None,
    ) -> Relations:
        if viewer_id is None:
            return cls.anonymous(standing)
        edges, version = await cache.get(viewer_id) if cache is not None else (None, "")
        if edges is None:
            edges = await _edges(GraphRepository(uow), viewer_id)
            if cache is not None:
                await cache.put(viewer_id, edges, version)
        relations = cls.anonymous(standing)
        relations.viewer_id = viewer_id
        relations.following = {t: Followed(t, bool(reblogs)) for t, reblogs in edges["follow"]}
        relations.blocking = set(edges["block"])
        relations.blocked_by = set(edges["blocked_by"])
        for target, notifications, expires_at in edges["mute"]:
            # Kept with their end, so a cached mute still runs out on time.
            ends = None if expires_at is None else datetime.fromisoformat(expires_at)
            if ends is None or ends > now:
                relations.muting.add(target)
                if notifications:
                    relations.muting_notifications.add(target)
                if ends is not None and (relations.until is None or ends < relations.until):
                    relations.until = ends
        return relations

    def blocked_either_way(self, account_id: int) -> bool:
        """Blocked by or blocking the viewer, or suspended: no interaction either way."""
        return (
            account_id in self.blocking or account_id in self.blocked_by or account_id in self.gone
        )

    def avoids(self, account_id: int) -> bool:
        """The viewer's own choice: blocked either way, or muted (moderation aside)."""
        return (
            account_id in self.blocking
            or account_id in self.blocked_by
            or account_id in self.muting
        )

    def moderated(self, account_id: int) -> bool:
        """Kept from this viewer by moderators: suspended, or silenced and not followed."""
        if account_id in self.gone:
            return True
        return account_id in self.quiet and account_id not in self.following

    def unheard(self, account_id: int) -> bool:
        """Whether notifications from this account are left out: blocked either way, muted
        with notifications, or moderated."""
        mine = self.blocking, self.blocked_by, self.muting_notifications
        return any(account_id in held for held in mine) or self.moderated(account_id)

    def hides(self, account_id: int) -> bool:
        """Whether the viewer's timelines leave this account out: blocked, muted, or
        moderated."""
        return self.avoids(account_id) or self.moderated(account_id)


async def _edges(graph: GraphRepository, viewer_id: int) -> Edges:
    """The viewer's edges from the database, as plain lists (what the cache keeps)."""
    edges: Edges = {"follow": [], "block": [], "mute": [], "blocked_by": []}
    for kind, target, flag, expires_at in await graph.own_edges(viewer_id):
        if kind == "mute":
            edges["mute"].append(
                [target, bool(flag), expires_at.isoformat() if expires_at else None]
            )
        elif kind == "follow":
            edges["follow"].append([target, bool(flag)])
        else:
            edges["block"].append(target)
    edges["blocked_by"] = [b.account_id for b in await graph.all_sources(Block, viewer_id)]
    return edges
