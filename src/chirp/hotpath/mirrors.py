"""The caches every context already drops after its writes, passing each drop on to the hot
store too: wherever a status or an account entity goes stale (``forget_after_commit``), or a
viewer's relations do (``forget_edges_after_commit``), the hot copies go with it, in every
process. The composition root wraps the runtime's caches in these."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from chirp.core.entities import Entity, EntityCache, Kind
from chirp.graph.cache import Edges, RelationsCache
from chirp.hotpath.changes import Changes


class MirroredEntities:
    def __init__(self, inner: EntityCache, changes: Changes) -> None:
        self.inner = inner
        self.changes = changes

    async def get_many(self, kind: Kind, ids: Collection[int]) -> dict[int, Entity]:
        return await self.inner.get_many(kind, ids)

    async def put_many(self, kind: Kind, entities: Mapping[int, Entity]) -> None:
        await self.inner.put_many(kind, entities)

    async def forget(self, kind: Kind, ids: Iterable[int]) -> None:
        stale = list(ids)
        await self.inner.forget(kind, stale)
        await self.changes.publish([[kind.value, i] for i in stale])

    async def clear(self) -> None:
        await self.inner.clear()


class MirroredRelations:
    def __init__(self, inner: RelationsCache, changes: Changes) -> None:
        self.inner = inner
        self.changes = changes

    async def get(self, viewer_id: int) -> tuple[Edges | None, str]:
        return await self.inner.get(viewer_id)

    async def put(self, viewer_id: int, edges: Edges, version: str) -> None:
        await self.inner.put(viewer_id, edges, version)

    async def forget(self, account_ids: Iterable[int]) -> None:
        changed = list(account_ids)
        await self.inner.forget(changed)
        await self.changes.publish([["relations", i] for i in changed])

    async def clear(self) -> None:
        await self.inner.clear()
