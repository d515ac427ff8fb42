"""Mastodon's stream names: who may open each one and which hub channels it listens to.

Errors are the streaming server's: 400 for a request that names no known stream or lacks a
parameter, 401 for a missing or invalid token or one without the needed scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chirp.config import Settings
from chirp.core.auth import Bearer, grants
from chirp.core.errors import APIError

PUBLIC = "timeline:public"
PUBLIC_LOCAL = "timeline:public:local"
PUBLIC_MEDIA = "timeline:public:media"
PUBLIC_LOCAL_MEDIA = "timeline:public:local:media"
# Streams anyone may open without a token (unless CHIRP_STREAMING_PUBLIC_NEEDS_TOKEN is set).
# The remote variants are accepted and stay quiet: Chirp does not federate.
PUBLIC_STREAMS = frozenset(
    {
        "public",
        "public:media",
        "public:local",
        "public:local:media",
        "public:remote",
        "public:remote:media",
        "hashtag",
        "hashtag:local",
    }
)
_FALSE = frozenset({"", "0", "f", "F", "false", "FALSE", "off", "OFF"})


class StreamError(APIError):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


def home(account_id: int) -> str:
    return f"timeline:{account_id}"


def notifications(account_id: int) -> str:
    return f"timeline:{account_id}:notifications"


def hashtag(tag: str, *, local: bool = False) -> str:
    return f"timeline:hashtag:{tag.lower()}" + (":local" if local else "")


@dataclass(frozen=True, slots=True)
class Stream:
    name: str  # "user", "public:local", "hashtag", ...
    label: tuple[str, ...]  # the WebSocket message's "stream": ["hashtag", "Cats"]
    channels: tuple[str, ...]
    personal: bool = False  # the viewer's own user stream: counts as being online

    @property
    def identity(self) -> tuple[str, ...]:
        """Two subscriptions are the same when they listen to the same channels."""
        return (self.name, *self.channels)


def with_media(name: str, params: Mapping[str, str]) -> str:
    """``public`` becomes ``public:media`` with a true ``only_media`` (Mastodon's isTruthy)."""
    return f"{name}:media" if params.get("only_media", "") not in _FALSE else name


def check_access(name: str, bearer: Bearer | None, settings: Settings) -> None:
    if bearer is None:
        if name in PUBLIC_STREAMS and not settings.streaming_public_needs_token:
            return
        raise StreamError(401, "Missing access token")
    needed = "read:notifications" if name == "user:notification" else "read:statuses"
    if not grants(bearer.scopes, needed):
        raise StreamError(401, "Access token does not have the required scopes")


def resolve(name: str, params: Mapping[str, str], bearer: Bearer | None) -> Stream:
    """The stream ``name`` names, for this viewer; call ``check_access`` first."""
    viewer = bearer.account_id if bearer else None
    if name in ("user", "user:notification", "direct"):
        assert viewer is not None and bearer is not None  # check_access refused anonymity
        if name == "direct":  # conversations are not built yet: a stream that stays quiet
            return Stream(name, (name,), (f"timeline:direct:{viewer}",))
        channels = [notifications(viewer)]
        if name == "user":
            if not grants(bearer.scopes, "read:notifications"):
                channels.clear()
            channels.insert(0, home(viewer))
        return Stream(name, (name,), tuple(channels), personal=True)
    if name in ("hashtag", "hashtag:local"):
        tag = params.get("tag", "").strip().lstrip("#")
        if not tag:
            raise StreamError(400, "Missing tag name parameter")
        channel = hashtag(tag, local=name == "hashtag:local")
        return Stream(name, (name, tag), (channel,))
    if name in PUBLIC_STREAMS:
        return Stream(name, (name,), (f"timeline:{name}",))
    if name == "list":
        if not params.get("list"):
            raise StreamError(400, "Missing list name parameter")
        raise StreamError(401, "Not authorized to stream this list")  # no lists exist yet
    raise StreamError(400, "Unknown stream type")
