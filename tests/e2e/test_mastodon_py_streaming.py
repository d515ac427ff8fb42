"""Mastodon.py's streaming listeners against a running `chirp serve`: it finds the streaming
URL in the instance information and reads Chirp's server-sent events."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from mastodon import Mastodon, StreamListener

from tests.e2e.people import people

pytestmark = pytest.mark.e2e
WAIT = 10.0


class Collector(StreamListener):  # type: ignore[misc]
    """Queues what the stream delivers; notes when the stream opened (its first comment)."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.opened = threading.Event()

    def handle_heartbeat(self) -> None:
        self.opened.set()

    def on_update(self, status: Any) -> None:
        self.events.put(("update", status))

    def on_delete(self, status_id: Any) -> None:
        self.events.put(("delete", str(status_id)))

    def on_status_update(self, status: Any) -> None:
        self.events.put(("status.update", status))

    def on_notification(self, notification: Any) -> None:
        self.events.put(("notification", notification))

    def next(self) -> tuple[str, Any]:
        return self.events.get(timeout=WAIT)


@contextmanager
def listening(start: Any) -> Iterator[Collector]:
    """Run a Mastodon.py stream (``start(listener)``) in its thread until the block ends."""
    collector = Collector()
    handle = start(collector)
    try:
        assert collector.opened.wait(WAIT), "the stream did not open"
        yield collector
    finally:
        handle.close()


def _people(server: str, *prefixes: str) -> list[Mastodon]:
    return [person.api for person in people(server, *prefixes)]


def test_a_followers_stream_user_gets_the_post_and_its_deletion(server: str) -> None:
    author, follower = _people(server, "author", "follower")
    follower.account_follow(author.account_verify_credentials().id)
    assert follower.stream_healthy()
    with listening(lambda c: follower.stream_user(c, run_async=True)) as stream:
        status = author.status_post("hello, streaming followers")
        event, streamed = stream.next()
        assert (event, str(streamed.id)) == ("update", str(status.id))
        assert streamed.account.acct == author.account_verify_credentials().acct
        author.status_delete(status.id)
        assert stream.next() == ("delete", str(status.id))


def test_stream_public_gets_public_posts(server: str) -> None:
    (author,) = _people(server, "poster")
    anonymous = Mastodon(api_base_url=server)
    with listening(lambda c: anonymous.stream_public(c, run_async=True)) as stream:
        author.status_post("not for the public stream", visibility="unlisted")
        status = author.status_post("for the public stream #chirpstreams")
        event, streamed = stream.next()
    assert (event, str(streamed.id)) == ("update", str(status.id))
    assert streamed.tags[0].name == "chirpstreams"


def test_stream_hashtag_and_notifications(server: str) -> None:
    alice, bob = _people(server, "alice", "bob")
    alice_acct = alice.account_verify_credentials().acct
    tag = f"tag{uuid.uuid4().hex[:8]}"
    with (
        listening(lambda c: bob.stream_hashtag(tag, c, run_async=True)) as tagged,
        listening(lambda c: alice.stream_user_notifications(c, run_async=True)) as notes,
    ):
        status = bob.status_post(f"@{alice_acct} look at #{tag}")
        event, streamed = tagged.next()
        assert (event, str(streamed.id)) == ("update", str(status.id))
        event, notification = notes.next()
        assert (event, notification.type, str(notification.status.id)) == (
            "notification",
            "mention",
            str(status.id),
        )


def test_the_websocket_carries_several_subscriptions(server: str) -> None:
    alice, bob = _people(server, "alice", "bob")
    tag = f"tag{uuid.uuid4().hex[:8]}"
    home, tagged = Collector(), Collector()
    with bob.stream_open_websocket() as socket:
        socket.subscribe("user", listener=home)
        socket.subscribe("hashtag", listener=tagged, tag=tag)
        assert socket.is_alive()
        time.sleep(1)  # subscriptions are not acknowledged (nor in Mastodon): let them land
        own = bob.status_post(f"mine, with #{tag}")
        event, streamed = home.next()
        assert (event, str(streamed.id)) == ("update", str(own.id))
        event, streamed = tagged.next()
        assert (event, str(streamed.id)) == ("update", str(own.id))
        theirs = alice.status_post(f"alice's #{tag}")
        event, streamed = tagged.next()
        assert (event, str(streamed.id)) == ("update", str(theirs.id))
        assert home.events.empty()  # bob does not follow alice
