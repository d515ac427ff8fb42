"""Turning status rows into Mastodon's Status entities, a page at a time.

``StatusViews.render`` takes the statuses of a page and answers their entities with a fixed
number of queries, whatever the page size: the reblogged originals, their authors, mentions,
tags and media attachments (one query per database holding any), then the viewer's
favourites, bookmarks, pins and reblogs among them (one query together, on the viewer's
shard). No lazy loads anywhere.

What does not depend on the viewer or on counters is kept in the entity cache
(``chirp.core.entities``): an original's static part (everything but its account, counters
and viewer fields) and every account entity. A warm page then costs only the viewer's marks;
the counters come from the status rows the page has anyway. A cached static part is used only
while its ``edited_at`` is the row's, so a read that raced an edit cannot keep an old text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chirp.accounts.views import public_entities
from chirp.core.entities import Entity, EntityCache, Kind
from chirp.core.text import iso
from chirp.db.uow import UnitOfWork
from chirp.media import views as media_views
from chirp.posts.models import Status, StatusMention, StatusTag
from chirp.posts.repository import StatusRepository

if TYPE_CHECKING:
    from chirp.db.platform import Platform


@dataclass(slots=True)
class _Loaded:
    statuses: dict[int, Status] = field(default_factory=dict)
    accounts: dict[int, Entity] = field(default_factory=dict)
    # Originals' static parts by id: from the cache, or built by this render (also in built).
    static: dict[int, Entity] = field(default_factory=dict)
    built: dict[int, Entity] = field(default_factory=dict)
    mentions: dict[int, list[StatusMention]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[int, list[StatusTag]] = field(default_factory=lambda: defaultdict(list))
    media: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    favourited: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)


class StatusViews:
    def __init__(
        self,
        uow: UnitOfWork,
        base_url: str,
        viewer_id: int | None,
        cache: EntityCache,
        *,
        viewer_fields: bool | None = None,
    ) -> None:
        self.uow = uow
        self.base_url = base_url
        self.viewer_id = viewer_id
        self.cache = cache
        # Whether entities carry the viewer fields (by default: when there is a viewer).
        self.viewer_fields = viewer_id is not None if viewer_fields is None else viewer_fields

    @classmethod
    def of(cls, rt: Platform, uow: UnitOfWork, viewer_id: int | None) -> StatusViews:
        """Views with the runtime's base URL and entity cache, as every use case wants."""
        return cls(uow, rt.settings.public_url, viewer_id, rt.entities)

    @classmethod
    def neutral(cls, rt: Platform, uow: UnitOfWork) -> StatusViews:
        """Entities for nobody in particular that still carry the viewer fields (all
        false): what the hot read path cuts into pieces (chirp.hotpath.records)."""
        return cls(uow, rt.settings.public_url, None, rt.entities, viewer_fields=True)

    async def render(self, page: Sequence[Status]) -> list[dict[str, Any]]:
        """Entities for ``page`` in its order; a reblog of a vanished status is left out."""
        loaded = await self._load(page)
        out = []
        for status in page:
            entity = self._entity(status, loaded)
            if entity is not None:
                if not self.viewer_fields:
                    _drop_viewer_fields(entity)
                out.append(entity)
        if loaded.built and not self.uow.write:  # see chirp.accounts.views
            await self.cache.put_many(Kind.status, loaded.built)
        return out

    async def one(self, status: Status) -> dict[str, Any] | None:
        rendered = await self.render([status])
        return rendered[0] if rendered else None

    async def _load(self, page: Sequence[Status]) -> _Loaded:
        repo = StatusRepository(self.uow)
        loaded = _Loaded(statuses={s.id: s for s in page})
        missing = {s.reblog_of_id for s in page if s.reblog_of_id} - set(loaded.statuses)
        if missing:
            # Timelines read the originals already, to filter the page: those are reused.
            loaded.statuses.update(await repo.get_many(missing, reuse=True))
        everything = list(loaded.statuses.values())
        cached = await self.cache.get_many(
            Kind.status, [s.id for s in everything if s.reblog_of_id is None]
        )
        loaded.static = {
            i: part
            for i, part in cached.items()
            if part["edited_at"] == _edited(loaded.statuses[i])
        }
        loaded.accounts = await public_entities(
            self.uow, self.cache, self.base_url, (s.account_id for s in everything)
        )
        unbuilt = [s.id for s in everything if s.id not in loaded.static]
        if any(loaded.statuses[i].reblog_of_id is None for i in unbuilt):
            # Asked for every status not cached, wrappers included: which databases a phase
            # touches then depends on the page's accounts, not on how many rows it has.
            for mention in await repo.mentions(unbuilt):
                loaded.mentions[mention.status_id].append(mention)
            for tag in await repo.tags(unbuilt):
                loaded.tags[tag.status_id].append(tag)
            loaded.media = await media_views.attachments(self.uow, unbuilt, self.base_url)
        originals = [s.id for s in everything if s.reblog_of_id is None]
        if self.viewer_id is not None and originals:
            marks = await repo.viewer_marks(self.viewer_id, originals)
            loaded.favourited = marks["favourite"]
            loaded.bookmarked = marks["bookmark"]
            loaded.pinned = marks["pin"]
            loaded.reblogged = marks["reblog"]
        return loaded

    def _entity(self, status: Status, loaded: _Loaded) -> dict[str, Any] | None:
        account = loaded.accounts.get(status.account_id)
        if account is None:
            return None
        if status.reblog_of_id is not None:
            original = loaded.statuses.get(status.reblog_of_id)
            inner = self._entity(original, loaded) if original is not None else None
            if inner is None:
                return None
            return {
                **self._base(status, account),
                "content": "",
                "spoiler_text": "",
                "sensitive": False,
                "visibility": status.visibility,
                "language": None,
                "mentions": [],
                "tags": [],
                "reblog": inner,
                "in_reply_to_id": None,
                "in_reply_to_account_id": None,
                "reblogs_count": 0,
                "favourites_count": 0,
                "replies_count": 0,
                "favourited": inner.get("favourited", False),
                "reblogged": inner.get("reblogged", False),
                "bookmarked": inner.get("bookmarked", False),
                "muted": False,
                "pinned": False,
                "url": inner["url"],
                "uri": f"{self.base_url}/users/{account['username']}/statuses/{status.id}/activity",
            }
        static = loaded.static.get(status.id)
        if static is None:
            static = loaded.static[status.id] = loaded.built[status.id] = self._static(
                status, account, loaded
            )
        # Keys already in the static part keep their place: clients see the keys in the order
        # the uncached render gave them.
        return {
            **static,
            "account": account,
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "replies_count": status.replies_count,
            "favourited": status.id in loaded.favourited,
            "reblogged": status.id in loaded.reblogged,
            "bookmarked": status.id in loaded.bookmarked,
            "pinned": status.id in loaded.pinned,
        }

    def _static(self, status: Status, account: Entity, loaded: _Loaded) -> Entity:
        """An original's entity without its account, counters and viewer fields (in their
        places: ``None``, 0 and False), the same for every viewer until it is edited."""
        return {
            **self._base(status, account),
            "account": None,
            "content": status.content,
            "spoiler_text": status.spoiler_text,
            "sensitive": status.sensitive,
            "visibility": status.visibility,
            "language": status.language,
            "mentions": [
                {
                    "id": str(m.account_id),
                    "username": m.username,
                    "acct": m.username,
                    "url": f"{self.base_url}/@{m.username}",
                }
                for m in loaded.mentions.get(status.id, [])
            ],
            "tags": [
                {"name": t.display, "url": f"{self.base_url}/tags/{t.name}"}
                for t in loaded.tags.get(status.id, [])
            ],
            "media_attachments": loaded.media.get(status.id, []),
            "reblog": None,
            "in_reply_to_id": _str(status.in_reply_to_id),
            "in_reply_to_account_id": _str(status.in_reply_to_account_id),
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "favourited": False,
            "reblogged": False,
            "bookmarked": False,
            "muted": False,
            "pinned": False,
        }

    def _base(self, status: Status, account: Entity) -> dict[str, Any]:
        entity: Entity = {
            "id": str(status.id),
            "uri": f"{self.base_url}/users/{account['username']}/statuses/{status.id}",
            "url": f"{self.base_url}/@{account['username']}/{status.id}",
            "created_at": iso(status.created_at),
            "edited_at": _edited(status),
            "account": account,
            "media_attachments": [],
            "emojis": [],
            "poll": None,  # Status.poll is nullable; StatusEdit.poll is absent without one
            "card": None,
            "text": None,
            "filtered": [],
        }
        return entity


_VIEWER_FIELDS = ("favourited", "reblogged", "bookmarked", "muted", "pinned", "filtered")


def _drop_viewer_fields(entity: dict[str, Any]) -> None:
    """Anonymous readers get no viewer-specific fields, as on Mastodon."""
    for name in _VIEWER_FIELDS:
        entity.pop(name, None)
    if entity.get("reblog"):
        _drop_viewer_fields(entity["reblog"])


def _edited(status: Status) -> str | None:
    return iso(status.edited_at) if status.edited_at else None


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
