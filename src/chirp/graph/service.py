"""Graph use cases: follow (or request to), unfollow, block, mute, and the lists they make.

Edges live on the acting account's shard; counters live on each account's row. Every count
moves in the same unit of work as the edge it counts, and only when the edge really appeared
or disappeared, so racing requests leave the counts exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog

from chirp.accounts.models import Account
from chirp.accounts.repository import AccountRepository
from chirp.accounts.views import public_entities
from chirp.core.entities import Kind, forget_after_commit
from chirp.core.errors import Forbidden, NotFound
from chirp.core.ids import parse_id, shard_of
from chirp.core.pagination import Page
from chirp.core.text import iso
from chirp.db.uow import UnitOfWork
from chirp.graph.cache import forget_edges_after_commit
from chirp.graph.events import (
    FOLLOWS_CHANGED,
    FollowEnded,
    FollowRequestAnswered,
    FollowRequested,
)
from chirp.graph.models import Block, Follow, FollowRequest, Mute
from chirp.graph.platform import GraphPlatform
from chirp.graph.repository import GraphRepository
from chirp.jobs.outbox import record

log = structlog.get_logger(__name__)
NOT_ALLOWED = "This action is not allowed"


async def _target(uow: UnitOfWork, raw_id: str) -> Account:
    target_id = parse_id(raw_id)
    target = await AccountRepository(uow).get(target_id) if target_id else None
    if target is None:
        raise NotFound()
    return target


async def follow(
    rt: GraphPlatform, viewer_id: int, raw_id: str, *, reblogs: bool | None, notify: bool | None
) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        target = await _target(uow, raw_id)
        graph = GraphRepository(uow)
        target_id, locked = target.id, target.locked  # still readable after a rollback
        if target.id == viewer_id:
            raise Forbidden(NOT_ALLOWED)
        if await graph.edge(Block, viewer_id, target.id) or await graph.edge(
            Block, target.id, viewer_id
        ):
            raise Forbidden(NOT_ALLOWED)
        existing = await graph.edge(Follow, viewer_id, target.id) or await graph.edge(
            FollowRequest, viewer_id, target.id
        )
        _edges_changed(rt, uow, viewer_id, target.id)
        if existing is not None:
            existing.show_reblogs = existing.show_reblogs if reblogs is None else reblogs
            existing.notify = existing.notify if notify is None else notify
        else:
            model = FollowRequest if target.locked else Follow
            graph.add(
                model(
                    id=rt.ids.next_id(shard_of(viewer_id)),
                    account_id=viewer_id,
                    target_id=target.id,
                    show_reblogs=True if reblogs is None else reblogs,
                    notify=bool(notify),
                    created_at=rt.clock.now(),
                )
            )
            if model is Follow:
                await _count_follow(rt, uow, viewer_id, target.id, +1)
                follows_changed(rt, uow, viewer_id)
            await rt.events.emit(uow, FollowRequested(viewer_id, target.id, target.locked))
        await uow.commit_unless_duplicate()  # a racing twin made the same follow: fine
    log.info("followed", account_id=viewer_id, target_id=target_id, requested=locked)
    return (await relationships(rt, viewer_id, [str(target_id)]))[0]


async def _count_follow(
    rt: GraphPlatform, uow: UnitOfWork, follower_id: int, target_id: int, delta: int
) -> None:
    accounts = AccountRepository(uow)
    await accounts.bump(follower_id, following_count=delta)
    await accounts.bump(target_id, followers_count=delta)
    forget_after_commit(uow, rt.entities, Kind.account, [follower_id, target_id])


def follows_changed(rt: GraphPlatform, uow: UnitOfWork, account_id: int) -> None:
    """What the account's home holds changes (an author or a tag more or less): recorded in
    the same transaction, so the timelines drop its feed even after a crash."""
    record(rt, uow, FOLLOWS_CHANGED, account_id, account_ids=[account_id])


def _edges_changed(rt: GraphPlatform, uow: UnitOfWork, account_id: int, target_id: int) -> None:
    """An edge between the two changes in ``uow``: both accounts' cached relations go after
    commit (the source's own edges, and the target's "who blocks me")."""
    forget_edges_after_commit(uow, rt.relations, account_id, target_id)


async def _unfollow(rt: GraphPlatform, uow: UnitOfWork, follower_id: int, target_id: int) -> None:
    graph = GraphRepository(uow)
    if await graph.remove(Follow, follower_id, target_id):
        await _count_follow(rt, uow, follower_id, target_id, -1)
        follows_changed(rt, uow, follower_id)
    await graph.remove(FollowRequest, follower_id, target_id)
    await rt.events.emit(uow, FollowEnded(follower_id, target_id))


async def sever(rt: GraphPlatform, uow: UnitOfWork, account_id: int, other_id: int) -> None:
    """Remove every edge between two accounts, both ways (one of them is being deleted):
    follows and follow requests with their counters, feeds and notifications, blocks and
    mutes, and both accounts' cached relations."""
    graph = GraphRepository(uow)
    await _unfollow(rt, uow, account_id, other_id)
    await _unfollow(rt, uow, other_id, account_id)
    for one, other in ((account_id, other_id), (other_id, account_id)):
        await graph.remove(Block, one, other)
        await graph.remove(Mute, one, other)
    _edges_changed(rt, uow, account_id, other_id)
    _edges_changed(rt, uow, other_id, account_id)


async def unfollow(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        target = await _target(uow, raw_id)
        await _unfollow(rt, uow, viewer_id, target.id)
        _edges_changed(rt, uow, viewer_id, target.id)
        await uow.commit()
    return (await relationships(rt, viewer_id, [str(target.id)]))[0]


async def block(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    """Block, which also ends follows and follow requests in both directions."""
    async with rt.uow(write=True) as uow:
        target = await _target(uow, raw_id)
        target_id = target.id  # still readable after a rollback
        if target_id == viewer_id:
            raise Forbidden(NOT_ALLOWED)
        graph = GraphRepository(uow)
        _edges_changed(rt, uow, viewer_id, target_id)
        if await graph.edge(Block, viewer_id, target_id) is None:
            graph.add(
                Block(
                    id=rt.ids.next_id(shard_of(viewer_id)),
                    account_id=viewer_id,
                    target_id=target_id,
                    created_at=rt.clock.now(),
                )
            )
        await _unfollow(rt, uow, viewer_id, target_id)
        await _unfollow(rt, uow, target_id, viewer_id)
        await uow.commit_unless_duplicate()
    log.info("blocked", account_id=viewer_id, target_id=target_id)
    return (await relationships(rt, viewer_id, [str(target_id)]))[0]


async def unblock(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        target = await _target(uow, raw_id)
        await GraphRepository(uow).remove(Block, viewer_id, target.id)
        _edges_changed(rt, uow, viewer_id, target.id)
        await uow.commit()
    return (await relationships(rt, viewer_id, [str(target.id)]))[0]


async def mute(
    rt: GraphPlatform, viewer_id: int, raw_id: str, *, notifications: bool, duration: int
) -> dict[str, Any]:
    """Mute; ``duration`` seconds (0: until unmuted)."""
    now = rt.clock.now()
    expires = now + timedelta(seconds=duration) if duration > 0 else None
    async with rt.uow(write=True) as uow:
        target = await _target(uow, raw_id)
        target_id = target.id  # still readable after a rollback
        if target_id == viewer_id:
            raise Forbidden(NOT_ALLOWED)
        graph = GraphRepository(uow)
        _edges_changed(rt, uow, viewer_id, target_id)
        existing = await graph.edge(Mute, viewer_id, target_id)
        if existing is not None:
            existing.hide_notifications, existing.expires_at = notifications, expires
        else:
            graph.add(
                Mute(
                    id=rt.ids.next_id(shard_of(viewer_id)),
                    account_id=viewer_id,
                    target_id=target_id,
                    hide_notifications=notifications,
                    expires_at=expires,
                    created_at=now,
                )
            )
        await uow.commit_unless_duplicate()
    return (await relationships(rt, viewer_id, [str(target_id)]))[0]


async def unmute(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        target = await _target(uow, raw_id)
        await GraphRepository(uow).remove(Mute, viewer_id, target.id)
        _edges_changed(rt, uow, viewer_id, target.id)
        await uow.commit()
    return (await relationships(rt, viewer_id, [str(target.id)]))[0]


async def relationships(
    rt: GraphPlatform, viewer_id: int, raw_ids: list[str]
) -> list[dict[str, Any]]:
    """Mastodon's Relationship for each id (unknown ids are left out, as on Mastodon)."""
    ids = [i for i in (parse_id(r) for r in raw_ids) if i is not None]
    now = rt.clock.now()
    async with rt.uow() as uow:
        known = await AccountRepository(uow).get_many(ids)
        targets = [i for i in dict.fromkeys(ids) if i in known]
        graph = GraphRepository(uow)
        following = {f.target_id: f for f in await graph.targets(Follow, viewer_id, targets)}
        requested = {r.target_id: r for r in await graph.targets(FollowRequest, viewer_id, targets)}
        blocking = {b.target_id for b in await graph.targets(Block, viewer_id, targets)}
        muting = {
            m.target_id: m
            for m in await graph.targets(Mute, viewer_id, targets)
            if m.expires_at is None or m.expires_at > now
        }
        followed_by = {f.account_id for f in await graph.sources(Follow, viewer_id, targets)}
        requested_by = {
            r.account_id for r in await graph.sources(FollowRequest, viewer_id, targets)
        }
        blocked_by = {b.account_id for b in await graph.sources(Block, viewer_id, targets)}
    out = []
    for target in targets:
        edge = following.get(target) or requested.get(target)
        out.append(
            {
                "id": str(target),
                "following": target in following,
                "showing_reblogs": bool(edge and edge.show_reblogs),
                "notifying": bool(edge and edge.notify),
                "languages": None,
                "followed_by": target in followed_by,
                "blocking": target in blocking,
                "blocked_by": target in blocked_by,
                "muting": target in muting,
                "muting_notifications": bool(
                    target in muting and muting[target].hide_notifications
                ),
                "requested": target in requested,
                "requested_by": target in requested_by,
                "domain_blocking": False,
                "endorsed": False,
                "note": "",
            }
        )
    return out


async def authorize_request(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        requester = await _target(uow, raw_id)
        graph = GraphRepository(uow)
        request = await graph.edge(FollowRequest, requester.id, viewer_id)
        if request is None:
            raise NotFound()
        requester_id = requester.id
        removed = await graph.remove(FollowRequest, requester.id, viewer_id)
        if removed and await graph.edge(Follow, requester.id, viewer_id) is None:
            graph.add(
                Follow(
                    id=rt.ids.next_id(shard_of(requester.id)),
                    account_id=requester.id,
                    target_id=viewer_id,
                    show_reblogs=request.show_reblogs,
                    notify=request.notify,
                    created_at=rt.clock.now(),
                )
            )
            await _count_follow(rt, uow, requester.id, viewer_id, +1)
            follows_changed(rt, uow, requester.id)
            _edges_changed(rt, uow, requester.id, viewer_id)
        await rt.events.emit(uow, FollowRequestAnswered(requester.id, viewer_id))
        await uow.commit_unless_duplicate()
    return (await relationships(rt, viewer_id, [str(requester_id)]))[0]


async def reject_request(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        requester = await _target(uow, raw_id)
        graph = GraphRepository(uow)
        if not await graph.remove(FollowRequest, requester.id, viewer_id):
            raise NotFound()
        await rt.events.emit(uow, FollowRequestAnswered(requester.id, viewer_id))
        await uow.commit()
    return (await relationships(rt, viewer_id, [str(requester.id)]))[0]


async def account_page(
    rt: GraphPlatform, uow: UnitOfWork, edges: list[Any], pick: str
) -> list[tuple[int, dict[str, Any]]]:
    """(edge id, Account entity) for each edge, the account at its ``pick`` end."""
    ids = [getattr(e, pick) for e in edges]
    accounts = await public_entities(uow, rt.entities, rt.settings.public_url, ids)
    return [(e.id, accounts[i]) for e, i in zip(edges, ids, strict=True) if i in accounts]


async def followers(
    rt: GraphPlatform, viewer_id: int | None, raw_id: str, page: Page
) -> list[tuple[int, dict[str, Any]]]:
    return await _collection(rt, viewer_id, raw_id, page, incoming=True)


async def following(
    rt: GraphPlatform, viewer_id: int | None, raw_id: str, page: Page
) -> list[tuple[int, dict[str, Any]]]:
    return await _collection(rt, viewer_id, raw_id, page, incoming=False)


async def _collection(
    rt: GraphPlatform, viewer_id: int | None, raw_id: str, page: Page, *, incoming: bool
) -> list[tuple[int, dict[str, Any]]]:
    async with rt.uow() as uow:
        owner = await _target(uow, raw_id)
        graph = GraphRepository(uow)
        hidden = owner.hide_collections and viewer_id != owner.id
        if hidden or (viewer_id is not None and await graph.edge(Block, owner.id, viewer_id)):
            return []
        if incoming:
            edges = await graph.page_in(Follow, owner.id, page)
            return await account_page(rt, uow, edges, "account_id")
        edges = await graph.page_out(Follow, owner.id, page)
        return await account_page(rt, uow, edges, "target_id")


async def own_list(
    rt: GraphPlatform, viewer_id: int, kind: str, page: Page
) -> list[tuple[int, dict[str, Any]]]:
    """The viewer's blocks or mutes (outgoing) or follow requests (incoming), by edge id."""
    async with rt.uow() as uow:
        graph = GraphRepository(uow)
        if kind == "follow_requests":
            edges: list[Any] = await graph.page_in(FollowRequest, viewer_id, page)
            return await account_page(rt, uow, edges, "account_id")
        model = Block if kind == "blocks" else Mute
        edges = await graph.page_out(model, viewer_id, page, now=rt.clock.now())
        pairs = await account_page(rt, uow, edges, "target_id")
        if model is Mute:  # Mastodon adds when each mute ends to the accounts it lists
            ends = {e.id: e.expires_at for e in edges}
            for edge_id, entity in pairs:
                until = ends.get(edge_id)
                entity["mute_expires_at"] = iso(until) if until else None
        return pairs
