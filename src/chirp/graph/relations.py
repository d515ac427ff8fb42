"""What a viewer's graph says about other accounts, loaded once per request.

Visibility and timeline filters ask the same questions many times (do I follow them, have
they blocked me, did I mute them); this answers them from sets loaded in a fixed number of
queries: the viewer's own edges from the viewer's shard, and "who blocks me" from every
database at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chirp.db.uow import UnitOfWork
from chirp.graph.models import Block, Follow, Mute
from chirp.graph.repository import GraphRepository


@dataclass(slots=True)
class Relations:
    viewer_id: int | None
    following: dict[int, Follow] = field(default_factory=dict)
    blocking: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)
    muting: set[int] = field(default_factory=set)
    muting_notifications: set[int] = field(default_factory=set)  # muted, notifications too

    @classmethod
    async def load(cls, uow: UnitOfWork, viewer_id: int | None, now: datetime) -> Relations:
        if viewer_id is None:
            return cls(None)
        graph = GraphRepository(uow)
        follows = await graph.targets(Follow, viewer_id)
        blocks = await graph.targets(Block, viewer_id)
        mutes = await graph.targets(Mute, viewer_id)
        active = [m for m in mutes if m.expires_at is None or m.expires_at > now]
        blockers = await graph.all_sources(Block, viewer_id)
        return cls(
            viewer_id,
            following={f.target_id: f for f in follows},
            blocking={b.target_id for b in blocks},
            blocked_by={b.account_id for b in blockers},
            muting={m.target_id for m in active},
            muting_notifications={m.target_id for m in active if m.hide_notifications},
        )

    def blocked_either_way(self, account_id: int) -> bool:
        return account_id in self.blocking or account_id in self.blocked_by

    def hides(self, account_id: int) -> bool:
        """Whether the viewer's timelines leave this account out (blocked or muted)."""
        return self.blocked_either_way(account_id) or account_id in self.muting
