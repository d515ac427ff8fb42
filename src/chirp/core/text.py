"""Turning what users write into the safe HTML Mastodon's entities carry."""

from __future__ import annotations

import html
import re
from datetime import datetime

_PARAGRAPHS = re.compile(r"\n{2,}")


def plain_to_html(text: str) -> str:
    """Escape everything, then paragraphs for blank lines and <br /> for single newlines."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return ""
    paragraphs = (html.escape(p).replace("\n", "<br />") for p in _PARAGRAPHS.split(text))
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def iso(moment: datetime) -> str:
    """Mastodon's timestamp form: ISO 8601 in UTC with milliseconds and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
