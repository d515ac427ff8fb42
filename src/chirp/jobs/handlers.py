"""Which handler runs each kind of event: the one place a job kind is bound to its code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from chirp.timelines import tasks as timelines

if TYPE_CHECKING:
    from chirp.runtime import Runtime

Handler = Callable[["Runtime", dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "status.created": timelines.status_created,
    "status.deleted": timelines.status_deleted,
    "status.updated": timelines.status_updated,
    "homes.invalidated": timelines.homes_invalidated,
}


class UnknownJob(Exception):
    """An event no handler knows (written by a newer release, say): it is dead-lettered."""


async def execute(rt: Runtime, kind: str, payload: dict[str, Any]) -> None:
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnknownJob(kind)
    await handler(rt, payload)
