"""Whether one viewer's stream may carry one event: the same rules as the REST timelines.

A status reaches a viewer only if the viewer may see it (and what it reblogs), and nobody it
involves (author, reblogged author, mentioned accounts) is blocked by, blocking or muted by the
viewer, as Mastodon's streaming server filters. On the viewer's own user stream the home rules
apply too (no replies to accounts the viewer does not follow, no reblogs from follows that hide
them). A notification is dropped once its sender is blocked either way, muted with
notifications, suspended, or silenced and not followed. A ``delete`` carries only an id and
always passes.
"""

from __future__ import annotations

from chirp.graph.relations import Relations
from chirp.posts.visibility import shown_in_timeline
from chirp.streaming.messages import Envelope
from chirp.timelines.home import belongs_in_home


def admits(envelope: Envelope, relations: Relations, *, home: bool) -> bool:
    """``home``: the event came on the viewer's own ``timeline:{id}`` channel."""
    if envelope.actor is not None:
        return not relations.unheard(envelope.actor)
    if envelope.status is None:
        return True
    status, original, audience = envelope.rows
    if not shown_in_timeline(status, original, relations, audience):
        return False
    viewer = relations.viewer_id
    # The viewer's own blocks and mutes, also of whom it mentions; moderation (a suspended or
    # silenced author) is the author's and the reblogged author's alone, decided above.
    if any(relations.avoids(a) for a in envelope.accounts if a != viewer):
        return False
    if home and envelope.event == "update" and status.account_id in relations.following:
        return belongs_in_home(status, original, relations)
    return True
