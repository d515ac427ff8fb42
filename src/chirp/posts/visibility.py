"""Who may see a status, and which statuses a viewer's timelines leave out.

Mastodon's rules: an author always sees their own; a suspended author's posts are gone for
everyone else; an author who blocked the viewer hides everything from them; public and
unlisted are for everyone; private for followers and the mentioned; direct for the mentioned
only. Timelines also leave out accounts the viewer blocked or muted, and silenced accounts
the viewer does not follow, either as author or as the author of a reblogged status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from chirp.db.uow import UnitOfWork
from chirp.graph.relations import Relations
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository


class Shown(Protocol):
    """What the rules ask of a status: a row, or the hot read path's record of one."""

    @property
    def id(self) -> int: ...

    @property
    def account_id(self) -> int: ...

    @property
    def visibility(self) -> str: ...

    @property
    def reblog_of_id(self) -> int | None: ...

    @property
    def in_reply_to_account_id(self) -> int | None: ...


class Audience:
    """Mentions of the page's private and direct statuses, loaded once, to decide access."""

    def __init__(self, mentioned: dict[int, set[int]]) -> None:
        self._mentioned = mentioned

    @classmethod
    async def load(
        cls, uow: UnitOfWork, statuses: Iterable[Status], relations: Relations
    ) -> Audience:
        """Only the statuses whose access for this viewer turns on a mention are asked
        about: a page of followed accounts' posts needs no query."""
        limited = [
            s.id
            for s in statuses
            if s.visibility in ("private", "direct") and not _decided(s, relations)
        ]
        mentioned: dict[int, set[int]] = defaultdict(set)
        if limited:
            for mention in await StatusRepository(uow).mentions(limited):
                mentioned[mention.status_id].add(mention.account_id)
        return cls(mentioned)

    def mentions(self, status_id: int, account_id: int) -> bool:
        return account_id in self._mentioned.get(status_id, ())


def _decided(status: Shown, relations: Relations) -> bool:
    """Whether ``can_see`` decides this private or direct status without its mentions."""
    if relations.viewer_id is None:
        return True  # nobody signed in sees any
    author = status.account_id
    if author == relations.viewer_id or author in relations.blocked_by or author in relations.gone:
        return True
    return status.visibility == "private" and status.account_id in relations.following


def can_see(status: Shown, relations: Relations, audience: Audience) -> bool:
    viewer = relations.viewer_id
    if viewer == status.account_id:
        return True
    if status.account_id in relations.gone:
        return False  # suspended: gone for everyone but its author
    if viewer is not None and status.account_id in relations.blocked_by:
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if status.visibility == "private":
        return status.account_id in relations.following or audience.mentions(status.id, viewer)
    return audience.mentions(status.id, viewer)


def shown_in_timeline(
    status: Shown, original: Shown | None, relations: Relations, audience: Audience
) -> bool:
    """Visible, and by nobody the viewer blocked or muted (nor reblogging someone such)."""
    if not can_see(status, relations, audience):
        return False
    if status.account_id != relations.viewer_id and relations.hides(status.account_id):
        return False
    if status.reblog_of_id is not None:
        if original is None or not can_see(original, relations, audience):
            return False
        if original.account_id != relations.viewer_id and relations.hides(original.account_id):
            return False
    return True
