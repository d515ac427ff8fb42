"""What travels through the hub: an event for clients plus what a connection filters on.

``payload`` is the exact text a client receives (a rendered entity as JSON, or a bare id for
``delete``), rendered once for no particular viewer. The facts beside it (who wrote the status,
who it mentions, its visibility, the notification's actor) let each connection decide, without
a query, whether its viewer may see it, as Mastodon's streaming server decides from the payload.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import orjson

from chirp.posts.models import Status
from chirp.posts.visibility import Audience


@dataclass(frozen=True, slots=True)
class StatusFacts:
    id: int
    account_id: int
    visibility: str
    in_reply_to_account_id: int | None = None
    reblog_of_id: int | None = None
    mentions: tuple[int, ...] = ()

    @classmethod
    def of(cls, entity: dict[str, Any]) -> StatusFacts:
        """The facts of a rendered Status entity."""
        reply_to = entity.get("in_reply_to_account_id")
        return cls(
            id=int(entity["id"]),
            account_id=int(entity["account"]["id"]),
            visibility=str(entity["visibility"]),
            in_reply_to_account_id=int(reply_to) if reply_to else None,
            reblog_of_id=int(entity["reblog"]["id"]) if entity.get("reblog") else None,
            mentions=tuple(int(m["id"]) for m in entity.get("mentions", ())),
        )

    def row(self) -> Status:
        """A transient (never stored) row, so the visibility rules of posts apply unchanged."""
        return Status(
            id=self.id,
            account_id=self.account_id,
            visibility=self.visibility,
            in_reply_to_account_id=self.in_reply_to_account_id,
            reblog_of_id=self.reblog_of_id,
        )


@dataclass(frozen=True)
class Envelope:
    event: str
    payload: str
    status: StatusFacts | None = None
    original: StatusFacts | None = None  # what ``status`` reblogs
    actor: int | None = None  # a notification's sender

    @cached_property
    def rows(self) -> tuple[Status, Status | None, Audience]:
        """The status, its original and their audience, built once per envelope."""
        assert self.status is not None
        facts = [f for f in (self.status, self.original) if f is not None]
        audience = Audience({f.id: set(f.mentions) for f in facts})
        original = self.original.row() if self.original else None
        return self.status.row(), original, audience

    @property
    def accounts(self) -> set[int]:
        """Everyone the status involves: a viewer blocking or muting any of them is spared it."""
        involved: set[int] = set()
        for facts in (self.status, self.original):
            if facts is not None:
                involved.add(facts.account_id)
                involved.update(facts.mentions)
        return involved

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "event": self.event,
                "payload": self.payload,
                "status": _facts_out(self.status),
                "original": _facts_out(self.original),
                "actor": self.actor,
            }
        )

    @classmethod
    def decode(cls, raw: bytes | str) -> Envelope:
        data = orjson.loads(raw)
        return cls(
            event=str(data["event"]),
            payload=str(data["payload"]),
            status=_facts_in(data.get("status")),
            original=_facts_in(data.get("original")),
            actor=data.get("actor"),
        )


def _facts_out(facts: StatusFacts | None) -> dict[str, Any] | None:
    return None if facts is None else asdict(facts)


def _facts_in(data: dict[str, Any] | None) -> StatusFacts | None:
    if data is None:
        return None
    return StatusFacts(**{**data, "mentions": tuple(data.get("mentions", ()))})
