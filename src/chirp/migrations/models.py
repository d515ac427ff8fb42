"""Every context's tables, listed in one place so Alembic (``env.py``) and the test suite see
the whole schema on ``Base.metadata``."""

from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.db.base import Base
from chirp.graph.models import Block, Follow, FollowRequest, Mute
from chirp.jobs.models import DeadJob, OutboxEvent
from chirp.media.models import MediaAttachment
from chirp.moderation.models import AuditEntry, DomainBlock, Report
from chirp.notifications.models import Notification
from chirp.oauth.models import AccessToken, AuthorizationCode, OAuthApp
from chirp.posts.models import (
    Bookmark,
    Favourite,
    IdempotencyKey,
    Pin,
    Status,
    StatusEdit,
    StatusMention,
    StatusTag,
)
from chirp.tags.models import TagFollow

__all__ = [
    "AccessToken",
    "Account",
    "AuditEntry",
    "AuthorizationCode",
    "Base",
    "Block",
    "Bookmark",
    "Credential",
    "DeadJob",
    "DomainBlock",
    "EmailClaim",
    "Favourite",
    "Follow",
    "FollowRequest",
    "IdempotencyKey",
    "MediaAttachment",
    "Mute",
    "Notification",
    "OAuthApp",
    "OutboxEvent",
    "Pin",
    "Report",
    "Status",
    "StatusEdit",
    "StatusMention",
    "StatusTag",
    "TagFollow",
]
