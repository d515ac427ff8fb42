"""Instance information, shaped for Mastodon's v1 and v2 entities."""

from __future__ import annotations

from typing import Any

from chirp import __version__
from chirp.accounts.passwords import MAX_LENGTH
from chirp.accounts.repository import AccountRepository
from chirp.db.platform import Platform

# Mastodon.py keeps the text before the first space and needs >= 4.3.0 for the v2 API.
MASTODON_VERSION = f"4.3.0 (compatible; Chirp {__version__})"
IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]


def _limits(rt: Platform) -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": rt.settings.max_status_chars,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": IMAGE_TYPES,
            "description_limit": 1500,
            "image_size_limit": rt.settings.media_max_bytes,
            "image_matrix_limit": rt.settings.media_max_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2_629_746,
        },
        "translation": {"enabled": False},
    }


async def _user_count(rt: Platform) -> int:
    async with rt.uow() as uow:
        return await AccountRepository(uow).count()


async def v1(rt: Platform) -> dict[str, Any]:
    s = rt.settings
    return {
        "uri": s.domain,
        "title": s.title,
        "short_description": f"{s.title} is a Chirp server.",
        "description": f"{s.title} is a Chirp server.",
        "email": s.contact_email,
        "version": MASTODON_VERSION,
        "urls": {"streaming_api": s.public_url.replace("http", "ws", 1)},
        "stats": {"user_count": await _user_count(rt), "status_count": 0, "domain_count": 0},
        "thumbnail": None,
        "languages": ["en"],
        "registrations": s.registrations_open,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _limits(rt),
        "contact_account": None,
        "rules": [],
        "max_toot_chars": s.max_status_chars,
    }


async def v2(rt: Platform) -> dict[str, Any]:
    s = rt.settings
    return {
        "domain": s.domain,
        "title": s.title,
        "version": MASTODON_VERSION,
        "source_url": s.public_url,
        "description": f"{s.title} is a Chirp server.",
        "usage": {"users": {"active_month": await _user_count(rt)}},
        "thumbnail": {"url": f"{s.public_url}/headers/original/missing.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": s.public_url.replace("http", "ws", 1), "status": None},
            "vapid": {"public_key": ""},
            **_limits(rt),
        },
        "registrations": {
            "enabled": s.registrations_open,
            "approval_required": False,
            "message": None,
            "min_age": None,
            "reason_required": False,
            "url": None,
        },
        "api_versions": {"mastodon": 2},
        "contact": {"email": s.contact_email, "account": None},
        "rules": [],
        "chirp": {"password_max_length": MAX_LENGTH},
    }
