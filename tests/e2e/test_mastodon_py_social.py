"""The real Mastodon.py client driving the social side of a running `chirp serve`: follows
(and a locked account's follow requests), posts, replies, mentions, favourites, reblogs,
bookmarks, blocks, notifications, threads and paged timelines."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonNotFoundError

from tests.e2e.people import Person, people

pytestmark = pytest.mark.e2e

MAX_PAGES = 200  # a guard against a Link header that never ends


def _ids(items: Iterable[Any]) -> list[str]:
    return [str(item.id) for item in items]


def _shown(statuses: Iterable[Any]) -> set[str]:
    """Ids a timeline shows, counting a reblogged status as shown through its reblog."""
    shown = set()
    for status in statuses:
        shown.add(str(status.id))
        if status.reblog:
            shown.add(str(status.reblog.id))
    return shown


def _notified(person: Person, kind: str) -> list[tuple[str, str | None]]:
    """(from account id, status id) of the person's notifications of one type."""
    return [
        (str(n.account.id), str(n.status.id) if n.get("status") else None)
        for n in person.api.notifications(types=[kind])
        if n.type == kind
    ]


def _befriend(ann: Person, ben: Person, cat: Person) -> None:
    """Everyone follows everyone; cat is locked and authorizes the requests."""
    assert cat.api.account_update_credentials(locked=True).locked is True
    ann.api.account_follow(ben.id)
    ben.api.account_follow(ann.id)
    for asker in (ann, ben):
        requested = asker.api.account_follow(cat.id)
        assert (requested.following, requested.requested) == (False, True)
    assert set(_ids(cat.api.follow_requests())) == {ann.id, ben.id}
    assert sorted(_notified(cat, "follow_request")) == sorted([(ann.id, None), (ben.id, None)])
    for asker in (ann, ben):
        seen_by_cat = cat.api.follow_request_authorize(asker.id)
        assert (seen_by_cat.followed_by, seen_by_cat.requested_by) == (True, False)
    assert cat.api.follow_requests() == []
    cat.api.account_follow(ann.id)
    cat.api.account_follow(ben.id)


def test_a_locked_account_authorizes_follow_requests_and_everyone_ends_up_mutual(
    server: str,
) -> None:
    ann, ben, cat = people(server, "ann", "ben", "cat")
    _befriend(ann, ben, cat)

    assert sorted(_notified(ann, "follow")) == sorted([(ben.id, None), (cat.id, None)])
    assert sorted(_notified(ben, "follow")) == sorted([(ann.id, None), (cat.id, None)])
    for person, others in ((ann, (ben, cat)), (ben, (ann, cat)), (cat, (ann, ben))):
        relationships = person.api.account_relationships([o.id for o in others])
        assert _ids(relationships) == [o.id for o in others]
        for relationship in relationships:
            assert relationship.following is True, (person.name, relationship.id)
            assert relationship.followed_by is True, (person.name, relationship.id)
            assert (relationship.requested, relationship.blocking) == (False, False)
    seen = ann.api.account(cat.id)
    assert (seen.locked, seen.followers_count, seen.following_count) == (True, 2, 2)


def test_posts_replies_mentions_favourites_reblogs_and_bookmarks_reach_everyone(
    server: str,
) -> None:
    ann, ben, cat = people(server, "ann", "ben", "cat")
    _befriend(ann, ben, cat)
    tag = f"chirp{uuid.uuid4().hex[:8]}"

    post = ann.api.status_post(f"First post #{tag}")
    reply = ben.api.status_reply(post, "Nice one")
    assert str(reply.in_reply_to_id) == str(post.id)
    assert _ids(reply.mentions) == [ann.id]  # status_reply mentions the author
    mention = cat.api.status_post(f"Hey @{ben.name}, look at #{tag}")
    assert _ids(mention.mentions) == [ben.id]

    favourited = ben.api.status_favourite(post)
    assert (favourited.favourited, favourited.favourites_count) == (True, 1)
    reblog = cat.api.status_reblog(post)
    assert str(reblog.reblog.id) == str(post.id)
    assert str(reblog.account.id) == cat.id
    bookmarked = ben.api.status_bookmark(post)
    assert bookmarked.bookmarked is True
    assert str(post.id) in _ids(ben.api.bookmarks())
    assert str(post.id) not in _ids(ann.api.bookmarks())

    seen_by_ben = ben.api.status(post.id)
    assert (seen_by_ben.favourited, seen_by_ben.reblogged, seen_by_ben.bookmarked) == (
        True,
        False,
        True,
    )
    counts = ann.api.status(post.id)
    assert (counts.replies_count, counts.favourites_count, counts.reblogs_count) == (1, 1, 1)

    # Notifications, each with its type, its actor and its status.
    assert _notified(ann, "mention") == [(ben.id, str(reply.id))]
    assert _notified(ann, "favourite") == [(ben.id, str(post.id))]
    assert _notified(ann, "reblog") == [(cat.id, str(post.id))]
    assert _notified(ben, "mention") == [(cat.id, str(mention.id))]
    assert _notified(cat, "favourite") == []

    # The thread, and who favourited and reblogged.
    below = ann.api.status_context(post)
    assert (_ids(below.ancestors), _ids(below.descendants)) == ([], [str(reply.id)])
    above = cat.api.status_context(reply)
    assert (_ids(above.ancestors), _ids(above.descendants)) == ([str(post.id)], [])
    assert _ids(ann.api.status_favourited_by(post)) == [ben.id]
    assert _ids(ann.api.status_reblogged_by(post)) == [cat.id]

    # Every timeline, read by each of them.
    for person in (ann, ben, cat):
        home = person.api.timeline_home()
        assert {str(post.id), str(reply.id), str(mention.id)} <= _shown(home), person.name
        public = _ids(person.api.timeline_public(limit=40))
        assert {str(post.id), str(mention.id)} <= set(public), person.name
        assert str(reblog.id) not in public, "reblogs stay out of the public timeline"
        assert str(reply.id) not in public, "replies to others stay out of it too"
        assert _ids(person.api.timeline_hashtag(tag)) == [str(mention.id), str(post.id)]
        assert _ids(person.api.account_statuses(ann.id)) == [str(post.id)]
        assert _ids(person.api.account_statuses(cat.id)) == [str(reblog.id), str(mention.id)]
        assert _ids(person.api.account_statuses(ben.id)) == [str(reply.id)]


def test_deleting_a_status_answers_its_text_and_takes_it_everywhere(server: str) -> None:
    ann, ben, cat = people(server, "ann", "ben", "cat")
    _befriend(ann, ben, cat)
    text = f"Hey @{ben.name}, this will go"
    doomed = cat.api.status_post(text)
    ann.api.status_favourite(doomed)
    assert _notified(ben, "mention") == [(cat.id, str(doomed.id))]

    deleted = cat.api.status_delete(doomed)
    assert deleted.text == text
    assert str(deleted.id) == str(doomed.id)
    with pytest.raises(MastodonNotFoundError):
        ben.api.status(doomed.id)
    with pytest.raises(MastodonNotFoundError):
        cat.api.status_delete(doomed)
    assert _notified(ben, "mention") == []
    assert _notified(cat, "favourite") == []
    for person in (ann, ben, cat):
        assert str(doomed.id) not in _shown(person.api.timeline_home())
        assert str(doomed.id) not in _ids(person.api.account_statuses(cat.id))
    assert ann.api.account(cat.id).statuses_count == 0


def test_a_block_ends_follows_both_ways_and_hides_the_blocked(server: str) -> None:
    ann, ben, cat = people(server, "ann", "ben", "cat")
    _befriend(ann, ben, cat)
    from_cat = cat.api.status_post("A post by cat")

    blocked = ann.api.account_block(cat.id)
    assert (blocked.blocking, blocked.following, blocked.followed_by) == (True, False, False)
    (seen_by_cat,) = cat.api.account_relationships(ann.id)
    assert (seen_by_cat.blocked_by, seen_by_cat.following, seen_by_cat.followed_by) == (
        True,
        False,
        False,
    )
    (untouched,) = ann.api.account_relationships(ben.id)
    assert (untouched.following, untouched.followed_by, untouched.blocking) == (True, True, False)

    assert str(from_cat.id) not in _shown(ann.api.timeline_home())
    assert str(from_cat.id) in _shown(ben.api.timeline_home())
    ann_post = ann.api.status_post("Cat cannot see this")
    assert cat.api.account_statuses(ann.id) == []
    with pytest.raises(MastodonNotFoundError):
        cat.api.status(ann_post.id)
    counts = ann.api.account(cat.id)
    assert (counts.followers_count, counts.following_count) == (1, 1)  # ben only, both ways


def _pages(api: Mastodon, first: Any) -> list[list[str]]:
    """The ids of every page, following `fetch_next` until it has nothing more."""
    pages: list[list[str]] = []
    page = first
    while page:
        pages.append(_ids(page))
        assert len(pages) <= MAX_PAGES, "fetch_next never ends"
        page = api.fetch_next(page)
    return pages


def _assert_newest_first_without_repeats(pages: list[list[str]]) -> list[str]:
    flat = [status_id for page in pages for status_id in page]
    assert len(flat) == len(set(flat)), "a status came back on two pages"
    numbers = [int(status_id) for status_id in flat]
    assert numbers == sorted(numbers, reverse=True), "pages are not newest first"
    return flat


def test_timelines_page_newest_first_through_fetch_next(server: str) -> None:
    ann, ben, cat = people(server, "ann", "ben", "cat")
    ben.api.account_follow(ann.id)  # cat follows no one: her home stays empty
    tag = f"paging{uuid.uuid4().hex[:8]}"
    posted = [str(ann.api.status_post(f"Number {n} #{tag}").id) for n in range(25)]
    newest_first = list(reversed(posted))

    assert cat.api.timeline_home(limit=10) == []
    for reader in (ann, ben, cat):
        exact = {
            "hashtag": reader.api.timeline_hashtag(tag, limit=10),
            "account": reader.api.account_statuses(ann.id, limit=10),
        }
        if reader is not cat:
            exact["home"] = reader.api.timeline_home(limit=10)
        for name, first in exact.items():
            pages = _pages(reader.api, first)
            assert [len(p) for p in pages] == [10, 10, 5], (reader.name, name)
            assert _assert_newest_first_without_repeats(pages) == newest_first, (
                reader.name,
                name,
            )
        # The public timeline also holds what other tests posted, all of it older.
        public = _pages(reader.api, reader.api.timeline_public(limit=10))
        assert all(len(p) == 10 for p in public[:2]), reader.name
        assert _assert_newest_first_without_repeats(public)[:25] == newest_first

    created = [s.created_at for s in ben.api.timeline_home(limit=25)]
    assert created == sorted(created, reverse=True)
