"""Every entity the status, timeline, graph, notification and tag routes answer, checked
field by field against the schema Mastodon documents (docs.joinmastodon.org/entities/).

Each spec lists every documented attribute of an entity with its JSON type, whether it may be
null, whether the docs mark it {{optional}} (may be left out) and the version that added it. A
field added after the Mastodon version the server reports (``/api/v1/instance``) is not
required of it, but is still checked when present. ``validate`` reports every missing or
mistyped field of an entity and of everything nested in it at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Api, bearer

Version = tuple[int, ...]

# --- the validator -------------------------------------------------------------------------


class Kind:
    """A JSON type; ``problems`` answers what is wrong with a value (nothing when it fits)."""

    label: str

    def problems(self, value: Any, path: str, version: Version) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Json(Kind):
    """A plain JSON type: str, bool, int, list or dict (an int is never a bool here)."""

    type: type
    label: str

    def problems(self, value: Any, path: str, version: Version) -> list[str]:
        if isinstance(value, bool) and self.type is not bool:
            return [f"{path}: expected {self.label}, got boolean {value!r}"]
        if not isinstance(value, self.type):
            return [f"{path}: expected {self.label}, got {_describe(value)}"]
        return []


@dataclass(frozen=True)
class Text(Kind):
    """A string of a given form (an id of digits, a timestamp, a URL...)."""

    label: str
    accepts: Callable[[str], bool]

    def problems(self, value: Any, path: str, version: Version) -> list[str]:
        if not isinstance(value, str):
            return [f"{path}: expected {self.label}, got {_describe(value)}"]
        if not self.accepts(value):
            return [f"{path}: expected {self.label}, got {value!r}"]
        return []


@dataclass(frozen=True)
class OneOf(Kind):
    values: tuple[str, ...]

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"one of {', '.join(self.values)}"

    def problems(self, value: Any, path: str, version: Version) -> list[str]:
        if value not in self.values:
            return [f"{path}: expected {self.label}, got {value!r}"]
        return []


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"array of {self.item.label}"

    def problems(self, value: Any, path: str, version: Version) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: expected {self.label}, got {_describe(value)}"]
        found: list[str] = []
        for index, item in enumerate(value):
            found += self.item.problems(item, f"{path}[{index}]", version)
        return found


@dataclass(frozen=True)
class Field:
    kind: Kind
    nullable: bool = False
    optional: bool = False  # the docs mark it {{optional}}: it may be left out
    since: str = "0.0.0"  # the Mastodon version that added it


class Entity(Kind):
    """A JSON object with a spec; the spec may be completed later (a Status holds a Status)."""

    def __init__(self, label: str, spec: dict[str, Field] | None = None) -> None:
        self.label = label
        self.spec: dict[str, Field] = spec or {}

    def problems(self, value: Any, path: str, version: Version) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected {self.label} object, got {_describe(value)}"]
        found: list[str] = []
        for name, field in self.spec.items():
            where = f"{path}.{name}"
            if name not in value:
                if not field.optional and _version(field.since) <= version:
                    found.append(f"{where}: missing (documented since {field.since})")
                continue
            if value[name] is None:
                if not field.nullable:
                    found.append(f"{where}: null, but {field.kind.label} is not nullable")
                continue
            found += field.kind.problems(value[name], where, version)
        return found


def validate(entity: Any, kind: Kind, version: Version, path: str | None = None) -> list[str]:
    return kind.problems(entity, path or kind.label, version)


def assert_valid(entity: Any, kind: Kind, version: Version, path: str | None = None) -> None:
    problems = validate(entity, kind, version, path)
    assert not problems, f"{len(problems)} schema problem(s):\n  " + "\n  ".join(problems)


def _describe(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    names |= {list: "array", dict: "object", type(None): "null"}
    return f"{names.get(type(value), type(value).__name__)} {value!r:.60}"


def _version(text: str) -> Version:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _is_datetime(text: str) -> bool:
    """RFC 3339 / ISO 8601 date and time, as Mastodon's Datetime."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def f(kind: Kind, *, null: bool = False, optional: bool = False, since: str = "0.0.0") -> Field:
    return Field(kind, nullable=null, optional=optional, since=since)


STRING = Json(str, "string")
HTML = Json(str, "string (HTML)")
BOOL = Json(bool, "boolean")
INT = Json(int, "integer")
HASH = Json(dict, "hash")
ID = Text("id (string of digits)", lambda s: s.isascii() and s.isdigit())
DATETIME = Text("ISO 8601 datetime", _is_datetime)
DATE = Text("ISO 8601 date", _is_date)
URL = Text("URL", lambda s: re.match(r"https?://[^\s/]+", s) is not None)
UNIX_DAY = Text("UNIX timestamp (string of digits)", lambda s: s.isascii() and s.isdigit())
COUNT = Text("integer cast to a string", lambda s: s.isascii() and s.isdigit())
LANGUAGE = Text("ISO 639 language code", lambda s: re.fullmatch(r"[a-z]{2,3}", s) is not None)

# --- Mastodon's entities -------------------------------------------------------------------

# Account::Field and CustomEmoji (entities/Account#Field, entities/CustomEmoji).
ACCOUNT_FIELD = Entity(
    "Field",
    {
        "name": f(STRING, since="2.4.0"),
        "value": f(HTML, since="2.4.0"),
        "verified_at": f(DATETIME, null=True, since="2.6.0"),
    },
)
CUSTOM_EMOJI = Entity(
    "CustomEmoji",
    {
        "shortcode": f(STRING, since="2.0.0"),
        "url": f(URL, since="2.0.0"),
        "static_url": f(URL, since="2.0.0"),
        "visible_in_picker": f(BOOL, since="2.0.0"),
        "category": f(STRING, null=True, since="3.0.0"),
    },
)
ACCOUNT_ROLE = Entity(
    "AccountRole",
    {"id": f(STRING, since="4.1.0"), "name": f(STRING, since="4.1.0"), "color": f(STRING)},
)

# entities/Account. `moved` is an Account, filled in below.
ACCOUNT = Entity("Account")
ACCOUNT.spec = {
    "id": f(ID),
    "username": f(STRING),
    "acct": f(STRING),
    "url": f(URL),
    "uri": f(URL, since="4.2.0"),
    "display_name": f(STRING),
    "note": f(HTML),
    "avatar": f(URL),
    "avatar_static": f(URL, since="1.1.2"),
    "header": f(URL),
    "header_static": f(URL, since="1.1.2"),
    "locked": f(BOOL),
    "fields": f(ListOf(ACCOUNT_FIELD), since="2.4.0"),
    "emojis": f(ListOf(CUSTOM_EMOJI), since="2.4.0"),
    "bot": f(BOOL, since="2.4.0"),
    "group": f(BOOL, since="3.1.0"),
    "discoverable": f(BOOL, null=True, since="3.1.0"),
    "noindex": f(BOOL, null=True, optional=True, since="4.0.0"),
    "moved": f(ACCOUNT, null=True, optional=True, since="2.1.0"),
    "suspended": f(BOOL, optional=True, since="3.3.0"),
    "limited": f(BOOL, optional=True, since="3.5.3"),
    "created_at": f(DATETIME),
    "last_status_at": f(DATE, null=True, since="3.0.0"),
    "statuses_count": f(INT),
    "followers_count": f(INT),
    "following_count": f(INT),
    "hide_collections": f(BOOL, null=True, since="4.1.0"),
    "indexable": f(BOOL, since="4.2.0"),
    "memorial": f(BOOL, null=True, optional=True, since="4.2.0"),
    "roles": f(ListOf(ACCOUNT_ROLE), since="4.1.0"),
    "avatar_description": f(STRING, since="4.6.0"),
    "header_description": f(STRING, since="4.6.0"),
    "show_media": f(BOOL, since="4.6.0"),
    "show_media_replies": f(BOOL, since="4.6.0"),
    "show_featured": f(BOOL, since="4.6.0"),
    "feature_approval": f(HASH, since="4.6.0"),
}

# Chirp has no media, polls or link previews yet: these must still be empty / null, and are
# specified so that they are checked the day they are filled.
MEDIA_ATTACHMENT = Entity(
    "MediaAttachment",
    {
        "id": f(ID),
        "type": f(OneOf(("unknown", "image", "gifv", "video", "audio"))),
        "url": f(URL),
        "preview_url": f(URL, null=True),
        "remote_url": f(URL, null=True),
        "meta": f(HASH, since="2.0.0"),
        "description": f(STRING, null=True, since="2.0.0"),
        "blurhash": f(STRING, null=True, since="2.8.1"),
    },
)
POLL_OPTION = Entity("Poll::Option", {"title": f(STRING), "votes_count": f(INT, null=True)})
POLL = Entity(
    "Poll",
    {
        "id": f(ID),
        "expires_at": f(DATETIME, null=True),
        "expired": f(BOOL),
        "multiple": f(BOOL),
        "votes_count": f(INT),
        "voters_count": f(INT, null=True),
        "options": f(ListOf(POLL_OPTION)),
        "emojis": f(ListOf(CUSTOM_EMOJI)),
        "voted": f(BOOL, optional=True),
        "own_votes": f(ListOf(INT), optional=True),
    },
)
PREVIEW_CARD = Entity(
    "PreviewCard",
    {
        "url": f(URL),
        "title": f(STRING),
        "description": f(STRING),
        "type": f(OneOf(("link", "photo", "video", "rich"))),
        "author_name": f(STRING),
        "author_url": f(STRING),
        "provider_name": f(STRING),
        "provider_url": f(STRING),
        "html": f(HTML),
        "width": f(INT),
        "height": f(INT),
        "image": f(URL, null=True),
        "embed_url": f(STRING),
        "blurhash": f(STRING, null=True, since="3.2.0"),
    },
)
FILTER_RESULT = Entity(
    "FilterResult",
    {
        "filter": f(HASH, since="4.0.0"),
        "keyword_matches": f(ListOf(STRING), null=True, since="4.0.0"),
        "status_matches": f(ListOf(ID), null=True, since="4.0.0"),
    },
)
APPLICATION = Entity(
    "Status::Application",
    {"name": f(STRING, since="0.9.9"), "website": f(URL, null=True, since="0.9.9")},
)

# entities/Status#Mention and entities/Status#Tag.
MENTION = Entity(
    "Status::Mention",
    {
        "id": f(ID, since="0.6.0"),
        "username": f(STRING, since="0.6.0"),
        "url": f(URL, since="0.6.0"),
        "acct": f(STRING, since="0.6.0"),
    },
)
STATUS_TAG = Entity("Status::Tag", {"name": f(STRING, since="0.9.0"), "url": f(URL)})

# entities/Status. `reblog` is a Status, filled in below.
STATUS = Entity("Status")
STATUS.spec = {
    "id": f(ID),
    "uri": f(STRING),
    "created_at": f(DATETIME),
    "account": f(ACCOUNT),
    "content": f(HTML),
    "visibility": f(OneOf(("public", "unlisted", "private", "direct")), since="0.9.9"),
    "sensitive": f(BOOL, since="0.9.9"),
    "spoiler_text": f(STRING, since="1.0.0"),
    "media_attachments": f(ListOf(MEDIA_ATTACHMENT), since="0.6.0"),
    # Optional (shown to the author, or when the author shares it), but when present it is
    # a Hash, never null.
    "application": f(APPLICATION, optional=True, since="0.9.9"),
    "mentions": f(ListOf(MENTION), since="0.6.0"),
    "tags": f(ListOf(STATUS_TAG), since="0.6.0"),
    "emojis": f(ListOf(CUSTOM_EMOJI), since="2.0.0"),
    "reblogs_count": f(INT),
    "favourites_count": f(INT),
    "replies_count": f(INT, since="2.5.0"),
    "url": f(URL, null=True),
    "in_reply_to_id": f(ID, null=True),
    "in_reply_to_account_id": f(ID, null=True),
    "reblog": f(STATUS, null=True),
    "poll": f(POLL, null=True, since="2.8.0"),
    "card": f(PREVIEW_CARD, null=True, since="2.6.0"),
    "language": f(LANGUAGE, null=True, since="1.4.0"),
    "text": f(STRING, null=True, since="2.9.0"),
    "edited_at": f(DATETIME, null=True, since="3.5.0"),
    # A Quote or ShallowQuote; added in 4.4.0, so only checked for being an object.
    "quote": f(HASH, null=True, since="4.4.0"),
    "quotes_count": f(INT, since="4.5.0"),
    "quote_approval": f(HASH, null=True, since="4.5.0"),
    "tagged_collections": f(ListOf(HASH), since="4.6.0"),
    # The viewer's own state: optional, left out for anonymous readers.
    "favourited": f(BOOL, optional=True),
    "reblogged": f(BOOL, optional=True),
    "muted": f(BOOL, optional=True, since="1.4.0"),
    "bookmarked": f(BOOL, optional=True, since="3.1.0"),
    "pinned": f(BOOL, optional=True, since="1.6.0"),
    "filtered": f(ListOf(FILTER_RESULT), optional=True, since="4.0.0"),
}

# entities/Context.
CONTEXT = Entity(
    "Context",
    {"ancestors": f(ListOf(STATUS)), "descendants": f(ListOf(STATUS))},
)

# entities/Relationship.
RELATIONSHIP = Entity(
    "Relationship",
    {
        "id": f(ID, since="0.6.0"),
        "following": f(BOOL, since="0.6.0"),
        "showing_reblogs": f(BOOL, since="2.1.0"),
        "notifying": f(BOOL, since="3.3.0"),
        "languages": f(ListOf(LANGUAGE), null=True, since="4.0.0"),
        "followed_by": f(BOOL, since="0.6.0"),
        "blocking": f(BOOL, since="0.6.0"),
        "blocked_by": f(BOOL, since="2.8.0"),
        "muting": f(BOOL, since="1.1.0"),
        "muting_notifications": f(BOOL, since="2.1.0"),
        "requested": f(BOOL, since="0.9.9"),
        "requested_by": f(BOOL, since="4.1.0"),
        "domain_blocking": f(BOOL, since="1.4.0"),
        "endorsed": f(BOOL, since="2.5.0"),
        "note": f(STRING, since="3.2.0"),
        "muting_expires_at": f(DATETIME, null=True, since="4.6.0"),
    },
)

# entities/Notification.
NOTIFICATION_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
    "quote",
    "quoted_update",
)
WITH_STATUS = {"favourite", "reblog", "status", "mention", "poll", "update"}
NOTIFICATION = Entity(
    "Notification",
    {
        "id": f(ID, since="0.9.9"),
        "type": f(OneOf(NOTIFICATION_TYPES), since="0.9.9"),
        "group_key": f(STRING, since="4.3.0"),
        "created_at": f(DATETIME, since="0.9.9"),
        "account": f(ACCOUNT, since="0.9.9"),
        # Attached for the types in WITH_STATUS, left out otherwise.
        "status": f(STATUS, optional=True, since="0.9.9"),
        "report": f(HASH, optional=True, since="4.0.0"),
        "event": f(HASH, optional=True, since="4.3.0"),
        "moderation_warning": f(HASH, optional=True, since="4.3.0"),
        "fallback": f(HASH, optional=True, since="4.6.0"),
        "collection": f(HASH, optional=True, since="4.6.0"),
    },
)

# entities/Tag, with its history (entities/Tag#history).
TAG_HISTORY = Entity(
    "Tag::History",
    {
        "day": f(UNIX_DAY, since="2.4.1"),
        "uses": f(COUNT, since="2.4.1"),
        "accounts": f(COUNT, since="2.4.1"),
    },
)
TAG = Entity(
    "Tag",
    {
        "name": f(STRING, since="0.9.0"),
        "url": f(URL, since="0.9.0"),
        "history": f(ListOf(TAG_HISTORY), since="2.4.1"),
        "following": f(BOOL, optional=True, since="4.0.0"),
        # Documented with Admin::Tag ("the ID of the Tag in the database, cast from an
        # integer"), and sent by Mastodon's REST::TagSerializer too: optional, but an id.
        "id": f(ID, optional=True, since="3.5.0"),
        "featuring": f(BOOL, optional=True, since="4.4.0"),
    },
)

# entities/StatusEdit and entities/StatusSource.
STATUS_EDIT_POLL = Entity(
    "StatusEdit::Poll",
    {"options": f(ListOf(Entity("StatusEdit::Poll::Option", {"title": f(STRING)})))},
)
STATUS_EDIT = Entity(
    "StatusEdit",
    {
        "content": f(HTML, since="3.5.0"),
        "spoiler_text": f(STRING, since="3.5.0"),
        "sensitive": f(BOOL, since="3.5.0"),
        "created_at": f(DATETIME, since="3.5.0"),
        "account": f(ACCOUNT, since="3.5.0"),
        # Optional: present only when the revision had a poll; a Hash then, never null.
        "poll": f(STATUS_EDIT_POLL, optional=True, since="3.5.0"),
        "media_attachments": f(ListOf(MEDIA_ATTACHMENT), since="3.5.0"),
        "emojis": f(ListOf(CUSTOM_EMOJI), since="3.5.0"),
        "quote": f(HASH, null=True, optional=True, since="4.4.0"),
    },
)
STATUS_SOURCE = Entity(
    "StatusSource",
    {
        "id": f(ID, since="3.5.0"),
        "text": f(STRING, since="3.5.0"),
        "spoiler_text": f(STRING, since="3.5.0"),
    },
)


# --- the validator itself must catch what it is for ----------------------------------------

MASTODON_4_3 = (4, 3, 0)


def test_the_validator_reports_every_problem_at_once() -> None:
    broken = {
        "id": 12,  # an integer, not a string
        "following": "yes",
        "showing_reblogs": True,
        "notifying": None,  # not nullable
        "languages": None,
        "followed_by": False,
        "blocking": 0,  # an integer is not a boolean
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": False,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        # "note" is missing
    }
    problems = validate(broken, RELATIONSHIP, MASTODON_4_3)
    assert problems == [
        "Relationship.id: expected id (string of digits), got integer 12",
        "Relationship.following: expected boolean, got string 'yes'",
        "Relationship.notifying: null, but boolean is not nullable",
        "Relationship.blocking: expected boolean, got integer 0",
        "Relationship.note: missing (documented since 3.2.0)",
    ]


def test_the_validator_follows_nesting_and_leaves_later_versions_optional() -> None:
    status = {"id": "1", "account": {"id": "x"}, "reblog": {"id": "2", "edited_at": "today"}}
    problems = validate(status, STATUS, MASTODON_4_3)
    assert "Status.account.id: expected id (string of digits), got 'x'" in problems
    assert "Status.reblog.edited_at: expected ISO 8601 datetime, got 'today'" in problems
    assert "Status.reblog.content: missing (documented since 0.0.0)" in problems
    assert not any(p.startswith("Status.quote") for p in problems)  # 4.4.0 > 4.3.0
    assert "Status.quote: missing (documented since 4.4.0)" in validate(status, STATUS, (4, 4, 0))
    assert not any(p.startswith("Status.favourited") for p in problems)  # optional


def test_the_validator_knows_integers_from_booleans_and_dates_from_datetimes() -> None:
    assert validate(True, INT, MASTODON_4_3, "n") == ["n: expected integer, got boolean True"]
    assert validate("2026-01-01", DATETIME, MASTODON_4_3, "t")
    assert not validate("2026-01-01T12:00:00.000Z", DATETIME, MASTODON_4_3, "t")
    assert not validate("2026-01-01", DATE, MASTODON_4_3, "d")
    assert validate("2026-13-01", DATE, MASTODON_4_3, "d")
    assert validate("-12", ID, MASTODON_4_3, "i")


# --- the scenario the endpoints are read from ----------------------------------------------


@dataclass
class World:
    client: httpx.AsyncClient
    version: Version
    ann: str  # tokens
    ben: str
    cat: str
    ann_id: str
    ben_id: str
    cat_id: str
    post: str  # ann's status, mentioning ben, with a hashtag; edited once
    reply: str  # ben's reply to it, mentioning ann
    reblog: str  # ben's reblog of it
    tag: str

    async def get(self, path: str, token: str | None = None, **params: Any) -> Any:
        headers = bearer(token) if token else {}
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()


async def _post(client: httpx.AsyncClient, path: str, token: str, **data: Any) -> Any:
    response = await client.post(path, json=data, headers=bearer(token))
    assert response.status_code == 200, f"POST {path}: {response.status_code} {response.text}"
    return response.json()


@pytest.fixture
async def world(api: Api, client: httpx.AsyncClient) -> World:
    instance = (await client.get("/api/v1/instance")).json()
    version = _version(instance["version"])
    assert version >= (4, 0, 0), instance["version"]
    tokens = [await api.register(name) for name in ("ann", "ben", "cat")]
    ann, ben, cat = tokens
    ids = []
    for token in tokens:
        me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        ids.append(me.json()["id"])
    ann_id, ben_id, cat_id = ids
    locked = await client.patch(
        "/api/v1/accounts/update_credentials", json={"locked": True}, headers=bearer(cat)
    )
    assert locked.status_code == 200, locked.text
    await _post(client, f"/api/v1/accounts/{ann_id}/follow", ben)
    await _post(client, f"/api/v1/accounts/{ben_id}/follow", ann)
    await _post(client, f"/api/v1/accounts/{cat_id}/follow", ann)  # a request: cat is locked
    post = await _post(
        client,
        "/api/v1/statuses",
        ann,
        status="Hello @ben, this is #Entities",
        language="en",
    )
    reply = await _post(
        client, "/api/v1/statuses", ben, status="@ann hello to you", in_reply_to_id=post["id"]
    )
    reblog = await _post(client, f"/api/v1/statuses/{post['id']}/reblog", ben)
    await _post(client, f"/api/v1/statuses/{post['id']}/favourite", ben)
    await _post(client, f"/api/v1/statuses/{post['id']}/bookmark", ben)
    edited = await client.put(
        f"/api/v1/statuses/{post['id']}",
        json={"status": "Hello @ben, this is #Entities, edited"},
        headers=bearer(ann),
    )
    assert edited.status_code == 200, edited.text
    return World(
        client=client,
        version=version,
        ann=ann,
        ben=ben,
        cat=cat,
        ann_id=ann_id,
        ben_id=ben_id,
        cat_id=cat_id,
        post=post["id"],
        reply=reply["id"],
        reblog=reblog["id"],
        tag="entities",
    )


def _statuses_in(status: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield status
    if status.get("reblog"):
        yield from _statuses_in(status["reblog"])


def _assert_unfilled_features_are_empty(status: dict[str, Any]) -> None:
    for each in _statuses_in(status):
        assert each["media_attachments"] == [], each["id"]
        assert each["poll"] is None, each["id"]
        assert each["card"] is None, each["id"]
        assert each["emojis"] == [], each["id"]


# --- statuses ------------------------------------------------------------------------------
# Each test checks what the entities say first, then validates all of them against the schema.


async def test_a_status_with_a_mention_and_a_hashtag_is_a_full_status(world: World) -> None:
    status = await world.get(f"/api/v1/statuses/{world.post}", world.ben)
    assert status["id"] == world.post
    assert status["account"]["id"] == world.ann_id
    assert [m["id"] for m in status["mentions"]] == [world.ben_id]
    assert status["mentions"][0]["username"] == status["mentions"][0]["acct"] == "ben"
    assert [t["name"].lower() for t in status["tags"]] == [world.tag]
    assert status["reblog"] is None
    assert status["edited_at"] is not None
    assert (status["favourited"], status["reblogged"], status["bookmarked"]) == (True,) * 3
    counts = (status["favourites_count"], status["reblogs_count"], status["replies_count"])
    assert counts == (1, 1, 1)
    _assert_unfilled_features_are_empty(status)
    assert_valid(status, STATUS, world.version)


async def test_a_reply_is_a_full_status_pointing_at_its_parent(world: World) -> None:
    reply = await world.get(f"/api/v1/statuses/{world.reply}", world.ann)
    assert reply["in_reply_to_id"] == world.post
    assert reply["in_reply_to_account_id"] == world.ann_id
    assert [m["id"] for m in reply["mentions"]] == [world.ann_id]
    _assert_unfilled_features_are_empty(reply)
    assert_valid(reply, STATUS, world.version)


async def test_a_reblog_wraps_a_full_status_and_both_are_valid(world: World) -> None:
    wrapper = await world.get(f"/api/v1/statuses/{world.reblog}", world.ben)
    assert wrapper["id"] == world.reblog
    assert wrapper["account"]["id"] == world.ben_id
    assert isinstance(wrapper["reblog"], dict)
    assert wrapper["reblog"]["id"] == world.post
    assert wrapper["reblog"]["account"]["id"] == world.ann_id
    assert wrapper["reblog"]["reblog"] is None
    _assert_unfilled_features_are_empty(wrapper)
    # `reblog` is itself validated as a Status, recursively.
    assert_valid(wrapper, STATUS, world.version)


async def test_an_anonymous_reader_gets_valid_statuses_without_the_viewer_fields(
    world: World,
) -> None:
    statuses = [
        await world.get(f"/api/v1/statuses/{status_id}")
        for status_id in (world.post, world.reply, world.reblog)
    ]
    for status in statuses:
        for each in _statuses_in(status):
            assert not {"favourited", "reblogged", "bookmarked", "muted"} & set(each)
    assert_valid(statuses, ListOf(STATUS), world.version, "statuses")


async def test_the_context_of_a_thread_holds_valid_statuses(world: World) -> None:
    below = await world.get(f"/api/v1/statuses/{world.post}/context", world.ann)
    above = await world.get(f"/api/v1/statuses/{world.reply}/context", world.ben)
    assert below["ancestors"] == []
    assert [s["id"] for s in below["descendants"]] == [world.reply]
    assert [s["id"] for s in above["ancestors"]] == [world.post]
    assert above["descendants"] == []
    assert_valid([below, above], ListOf(CONTEXT), world.version, "contexts")


async def test_every_status_on_the_home_timeline_is_valid(world: World) -> None:
    ann_home = await world.get("/api/v1/timelines/home", world.ann)
    ben_home = await world.get("/api/v1/timelines/home", world.ben)
    for home in (ann_home, ben_home):
        # The post shows itself or through ben's reblog of it (servers group reblogs).
        shown = {s["id"] for s in home} | {s["reblog"]["id"] for s in home if s["reblog"]}
        assert {world.post, world.reply} <= shown
    assert_valid(ann_home, ListOf(STATUS), world.version, "ann_home")
    assert_valid(ben_home, ListOf(STATUS), world.version, "ben_home")


# --- relationships -------------------------------------------------------------------------


async def test_relationships_are_valid_for_mutual_follows_and_follow_requests(
    world: World,
) -> None:
    response = await world.client.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", world.ben_id), ("id[]", world.cat_id)],
        headers=bearer(world.ann),
    )
    assert response.status_code == 200, response.text
    relationships = response.json()
    seen_by_cat = await world.get(
        "/api/v1/accounts/relationships", world.cat, **{"id[]": world.ann_id}
    )
    with_ben, with_cat = relationships
    assert with_ben["id"] == world.ben_id
    following = (with_ben["following"], with_ben["followed_by"], with_ben["requested"])
    assert following == (True, True, False)
    assert with_cat["id"] == world.cat_id
    assert (with_cat["following"], with_cat["requested"]) == (False, True)
    assert seen_by_cat[0]["id"] == world.ann_id
    assert seen_by_cat[0]["requested_by"] is True
    assert_valid(relationships, ListOf(RELATIONSHIP), world.version, "ann_relationships")
    assert_valid(seen_by_cat, ListOf(RELATIONSHIP), world.version, "cat_relationships")


# --- notifications -------------------------------------------------------------------------


async def test_notifications_of_every_kind_are_valid(world: World) -> None:
    received = {
        name: await world.get("/api/v1/notifications", token)
        for name, token in (("ann", world.ann), ("ben", world.ben), ("cat", world.cat))
    }
    types = {name: {n["type"] for n in items} for name, items in received.items()}
    assert types["ann"] == {"follow", "mention", "favourite", "reblog"}
    assert types["ben"] == {"follow", "mention", "update"}
    assert types["cat"] == {"follow_request"}
    for items in received.values():
        for notification in items:
            if notification["type"] in WITH_STATUS:
                assert isinstance(notification.get("status"), dict), notification["type"]
    problems = [
        problem
        for name, items in received.items()
        for problem in validate(items, ListOf(NOTIFICATION), world.version, name)
    ]
    assert not problems, f"{len(problems)} schema problem(s):\n  " + "\n  ".join(problems)


# --- tags, history and source --------------------------------------------------------------


async def test_a_hashtag_is_a_valid_tag_with_its_week_of_history(world: World) -> None:
    signed_in = await world.get(f"/api/v1/tags/{world.tag}", world.ann)
    anonymous = await world.get(f"/api/v1/tags/{world.tag.upper()}")
    for tag in (signed_in, anonymous):
        assert tag["name"].lower() == world.tag
        assert tag["url"].endswith(f"/tags/{world.tag}")
        days = [int(day["day"]) for day in tag["history"]]
        assert days == sorted(days, reverse=True), "history runs from today backwards"
        assert all(day % 86400 == 0 for day in days), "each day is a UTC midnight"
        assert (tag["history"][0]["uses"], tag["history"][0]["accounts"]) == ("1", "1")
    assert signed_in["following"] is False
    assert "following" not in anonymous
    assert_valid([signed_in, anonymous], ListOf(TAG), world.version, "tags")


async def test_the_edit_history_is_a_list_of_valid_status_edits(world: World) -> None:
    history = await world.get(f"/api/v1/statuses/{world.post}/history", world.ben)
    assert isinstance(history, list)
    assert len(history) == 2
    assert "edited" not in history[0]["content"]
    assert "edited" in history[1]["content"]
    assert history[0]["created_at"] <= history[1]["created_at"]
    for edit in history:
        assert edit["account"]["id"] == world.ann_id
        assert edit["media_attachments"] == []
    assert_valid(history, ListOf(STATUS_EDIT), world.version, "history")


async def test_the_source_of_a_status_is_a_valid_status_source(world: World) -> None:
    source = await world.get(f"/api/v1/statuses/{world.post}/source", world.ann)
    assert source == {
        "id": world.post,
        "text": "Hello @ben, this is #Entities, edited",
        "spoiler_text": "",
    }
    assert_valid(source, STATUS_SOURCE, world.version)


async def test_a_deleted_status_comes_back_valid_with_its_text(world: World) -> None:
    response = await world.client.delete(
        f"/api/v1/statuses/{world.reply}", headers=bearer(world.ben)
    )
    assert response.status_code == 200, response.text
    deleted = response.json()
    assert deleted["id"] == world.reply
    assert deleted["text"] == "@ann hello to you"
    assert_valid(deleted, STATUS, world.version)
