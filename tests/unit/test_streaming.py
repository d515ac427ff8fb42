"""Streaming pieces on their own: what a viewer's stream lets through, envelopes on the wire,
the in-process hub's channels and presence, and the re-check bound."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chirp.config import Settings
from chirp.graph.models import Follow
from chirp.graph.relations import Relations
from chirp.streaming.filters import admits
from chirp.streaming.hub import InProcessHub
from chirp.streaming.messages import Envelope, StatusFacts

VIEWER, ALICE, BOB = 1, 2, 3


def update(author: int = ALICE, visibility: str = "public", **facts: object) -> Envelope:
    status = StatusFacts(id=100, account_id=author, visibility=visibility, **facts)  # type: ignore[arg-type]
    return Envelope("update", "{}", status=status)


def reblog_of(original_author: int, reblogger: int = BOB) -> Envelope:
    original = StatusFacts(id=100, account_id=original_author, visibility="public")
    wrapper = StatusFacts(id=101, account_id=reblogger, visibility="public", reblog_of_id=100)
    return Envelope("update", "{}", status=wrapper, original=original)


def follows(*targets: int, show_reblogs: bool = True) -> dict[int, Follow]:
    now = datetime.now(UTC)
    return {
        t: Follow(id=t, account_id=VIEWER, target_id=t, show_reblogs=show_reblogs, created_at=now)
        for t in targets
    }


def test_a_public_status_reaches_anyone_and_a_private_one_only_followers() -> None:
    anonymous = Relations(None)
    assert admits(update(), anonymous, home=False)
    assert not admits(update(visibility="private"), anonymous, home=False)
    assert not admits(update(visibility="private"), Relations(VIEWER), home=False)
    assert admits(
        update(visibility="private"), Relations(VIEWER, following=follows(ALICE)), home=True
    )
    direct = update(visibility="direct", mentions=(VIEWER,))
    assert admits(direct, Relations(VIEWER), home=True)


@pytest.mark.parametrize(
    "relations",
    [
        Relations(VIEWER, blocking={ALICE}),
        Relations(VIEWER, blocked_by={ALICE}),
        Relations(VIEWER, muting={ALICE}),
    ],
)
def test_blocks_and_mutes_hide_authors_reblogged_authors_and_mentions(relations: Relations) -> None:
    assert not admits(update(author=ALICE), relations, home=False)
    assert not admits(reblog_of(ALICE), relations, home=False)
    assert not admits(update(author=BOB, mentions=(ALICE,)), relations, home=False)
    assert admits(update(author=BOB), relations, home=False)


def test_home_rules_apply_on_the_viewers_own_channel() -> None:
    relations = Relations(VIEWER, following=follows(ALICE))
    reply_to_stranger = update(author=ALICE, in_reply_to_account_id=BOB)
    assert not admits(reply_to_stranger, relations, home=True)
    assert admits(reply_to_stranger, relations, home=False)  # public streams keep replies
    hidden_reblogs = Relations(VIEWER, following=follows(BOB, show_reblogs=False))
    assert not admits(reblog_of(ALICE), hidden_reblogs, home=True)


def test_notifications_from_blocked_or_notification_muted_senders_are_dropped() -> None:
    note = Envelope("notification", "{}", actor=ALICE)
    assert admits(note, Relations(VIEWER), home=False)
    assert admits(note, Relations(VIEWER, muting={ALICE}), home=False)
    assert not admits(note, Relations(VIEWER, muting_notifications={ALICE}), home=False)
    assert not admits(note, Relations(VIEWER, blocked_by={ALICE}), home=False)


def test_deletes_always_pass() -> None:
    assert admits(Envelope("delete", "100"), Relations(VIEWER, blocking={ALICE}), home=True)


def test_envelopes_survive_the_wire() -> None:
    sent = reblog_of(ALICE)
    received = Envelope.decode(sent.encode())
    assert received == sent
    assert received.accounts == {ALICE, BOB}


class Collector:
    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    def deliver(self, channel: str, envelope: Envelope) -> None:
        self.got.append((channel, envelope.payload))


async def test_the_in_process_hub_delivers_to_subscribers_of_a_channel_only() -> None:
    hub = InProcessHub()
    one, two = Collector(), Collector()
    await hub.subscribe(one, ["timeline:public", "timeline:1"])
    await hub.subscribe(two, ["timeline:public"])
    await hub.publish("timeline:public", Envelope("delete", "a"))
    await hub.publish("timeline:1", Envelope("delete", "b"))
    await hub.publish("timeline:2", Envelope("delete", "c"))
    assert one.got == [("timeline:public", "a"), ("timeline:1", "b")]
    assert two.got == [("timeline:public", "a")]
    await hub.unsubscribe(one, ["timeline:public", "timeline:1"])
    await hub.unsubscribe(two, ["timeline:public"])
    assert hub.channels == 0


async def test_presence_counts_open_user_streams() -> None:
    hub = InProcessHub()
    await hub.arrive(ALICE)
    await hub.arrive(ALICE)
    await hub.leave(ALICE)
    assert await hub.online([ALICE, BOB]) == {ALICE}
    await hub.leave(ALICE)
    assert await hub.online([ALICE, BOB]) == set()


def test_streams_recheck_tokens_and_blocks_within_five_seconds() -> None:
    assert Settings().streaming_recheck_seconds <= 5  # the production default
    with pytest.raises(ValidationError):
        Settings(streaming_recheck_seconds=5.5)
