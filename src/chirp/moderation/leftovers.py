"""The queries of account deletion (``chirp.moderation.deletion``): what is left of one
account, a bounded batch at a time, on its own database and on every other.

Rows an account owns live on its shard (its statuses, marks, edges, tokens, media, reports);
rows that point at it from others live on theirs (follows of it, mentions of it,
notifications it caused), so those are asked of every database with a limit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.db.shards import PhysicalShard
from chirp.db.uow import UnitOfWork
from chirp.graph.models import Block, Follow, FollowRequest, Mute
from chirp.media.models import MediaAttachment
from chirp.moderation.models import Report
from chirp.notifications.models import Notification
from chirp.oauth.models import AccessToken, AuthorizationCode
from chirp.posts.models import Bookmark, Favourite, IdempotencyKey, Pin, Status, StatusMention
from chirp.tags.models import TagFollow

EDGES = (Follow, FollowRequest, Block, Mute)


class Leftovers:
    def __init__(self, uow: UnitOfWork, account_id: int) -> None:
        self.uow = uow
        self.account_id = account_id
        self.home = uow.for_id(account_id)  # the account's own database

    async def statuses(self, limit: int) -> list[Status]:
        """Its statuses and reblogs, newest first (replies before what they answer)."""
        query = (
            select(Status)
            .where(Status.account_id == self.account_id)
            .order_by(Status.id.desc())
            .limit(limit)
        )
        return list(await self.home.scalars(query))

    async def favourites(self, limit: int) -> list[Favourite]:
        query = select(Favourite).where(Favourite.account_id == self.account_id).limit(limit)
        return list(await self.home.scalars(query))

    async def others(self, limit: int) -> set[int]:
        """Accounts with an edge to or from this one (follows, requests, blocks, mutes)."""
        found: set[int] = set()
        for model in EDGES:
            mine = select(model.target_id).where(model.account_id == self.account_id)
            found.update(await self.home.scalars(mine.limit(limit)))
            theirs = select(model.account_id).where(model.target_id == self.account_id)
            found.update(await self.uow.everywhere(theirs.limit(limit)))
            if len(found) >= limit:
                break
        return found

    async def mentioning(self, limit: int) -> list[int]:
        """Others' statuses that mention this account."""
        query = select(StatusMention.status_id).where(StatusMention.account_id == self.account_id)
        return list(await self.uow.everywhere(query.limit(limit)))

    async def forget_mentions(self, status_ids: list[int]) -> None:
        query = delete(StatusMention).where(
            StatusMention.account_id == self.account_id, StatusMention.status_id.in_(status_ids)
        )
        await self._everywhere(query)

    async def media(self, limit: int) -> list[MediaAttachment]:
        query = select(MediaAttachment).where(MediaAttachment.account_id == self.account_id)
        return list(await self.home.scalars(query.limit(limit)))

    async def remove_media(self, media_ids: list[int]) -> None:
        await self.home.execute(delete(MediaAttachment).where(MediaAttachment.id.in_(media_ids)))

    async def remove_owned(self) -> int:
        """Its bookmarks, pins, tag follows, reports filed, sign-in codes, retry keys and
        notifications; how many rows went."""
        mine = self.account_id
        statements: list[Any] = [
            delete(model).where(model.account_id == mine)
            for model in (
                Bookmark,
                Pin,
                TagFollow,
                Report,
                AuthorizationCode,
                IdempotencyKey,
                Notification,
            )
        ]
        removed = 0
        for statement in statements:
            result: Any = await self.home.execute(statement)
            removed += result.rowcount or 0
        return removed

    async def remove_caused(self) -> None:
        """Notifications it caused in others' lists, on every database."""
        await self._everywhere(
            delete(Notification).where(Notification.from_account_id == self.account_id)
        )

    async def remove_claims(self) -> int:
        """Its email claim, wherever the email hashes to; how many went."""
        removed = 0

        async def run(shard: PhysicalShard) -> None:
            nonlocal removed
            query = delete(EmailClaim).where(EmailClaim.account_id == self.account_id)
            result: Any = await self.uow.session(shard).execute(query)
            removed += result.rowcount or 0

        await self.uow.shards.gather(run)
        return removed

    async def tokens(self) -> list[AccessToken]:
        query = select(AccessToken).where(AccessToken.account_id == self.account_id)
        return list(await self.home.scalars(query))

    async def remove_account(self) -> Account | None:
        """The account, its credential, its tokens and its email claim: the last rows of it.
        The account as it was, or None when it is gone already."""
        account = await self.home.get(Account, self.account_id)
        if account is None:
            return None
        mine = self.account_id
        await self._everywhere(delete(EmailClaim).where(EmailClaim.account_id == mine))
        # Statements, not the session's deletes: the credential's foreign key cascades, and
        # the session would then miss the row it meant to delete.
        for model in (AccessToken, Credential):
            await self.home.execute(delete(model).where(model.account_id == mine))
        await self.home.execute(delete(Account).where(Account.id == mine))
        return account

    async def _everywhere(self, statement: Any) -> None:
        async def run(shard: PhysicalShard) -> None:
            await self.uow.session(shard).execute(statement)

        await self.uow.shards.gather(run)
