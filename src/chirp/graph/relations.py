"""What a viewer's graph says about other accounts, loaded once per request.

Visibility and timeline filters ask the same questions many times (do I follow them, have
they blocked me, did I mute them); this answers them from sets loaded in a fixed number of
queries: the viewer's own follows, blocks and mutes from the viewer's shard (one query), and
"who blocks me" from every database at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from chirp.db.uow import UnitOfWork
from chirp.graph.models import Block
from chirp.graph.repository import GraphRepository


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

    @classmethod
    async def load(cls, uow: UnitOfWork, viewer_id: int | None, now: datetime) -> Relations:
        if viewer_id is None:
            return cls(None)
        graph = GraphRepository(uow)
        relations = cls(viewer_id)
        for kind, target, flag, expires_at in await graph.own_edges(viewer_id):
            if kind == "follow":
                relations.following[target] = Followed(target, bool(flag))
            elif kind == "block":
                relations.blocking.add(target)
            elif expires_at is None or expires_at > now:
                relations.muting.add(target)
                if flag:
                    relations.muting_notifications.add(target)
        blockers = await graph.all_sources(Block, viewer_id)
        relations.blocked_by = {b.account_id for b in blockers}
        return relations

    def blocked_either_way(self, account_id: int) -> bool:
        return account_id in self.blocking or account_id in self.blocked_by

    def hides(self, account_id: int) -> bool:
        """Whether the viewer's timelines leave this account out (blocked or muted)."""
        return self.blocked_either_way(account_id) or account_id in self.muting
