"""Parsing what a user wrote (mentions, hashtags, links) and rendering it to safe HTML.

Everything the user typed is escaped; the only markup in the output is what this module
builds (paragraphs, line breaks and the anchors for links, mentions and hashtags), with every
attribute value escaped too. So nothing a user writes can inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

URL_LENGTH = 23  # every link counts as 23 characters, as on Mastodon (and Twitter)
_URL = r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"
_DOMAIN = r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?|localhost(?::\d+)?|[0-9.]+(?::\d+)?"
_MENTION = rf"(?<![\w/@=])@(?P<user>[A-Za-z0-9_]{{1,30}})(?:@(?P<domain>{_DOMAIN}))?"
_HASHTAG = r"(?<![\w/)=#&])#(?P<tag>\w*[^\W\d]\w*)"
_TOKENS = re.compile(rf"(?P<url>{_URL})|{_MENTION}|{_HASHTAG}")
_PARAGRAPHS = re.compile(r"\n{2,}")
MAX_TAG_LENGTH = 100


@dataclass(frozen=True, slots=True)
class MentionTarget:
    account_id: int
    username: str


@dataclass(frozen=True, slots=True)
class Parsed:
    usernames: list[str]  # lower-cased local usernames mentioned, in order, without repeats
    tags: dict[str, str]  # lower-cased name -> the spelling first used


def parse(text: str, local_domain: str) -> Parsed:
    usernames: list[str] = []
    tags: dict[str, str] = {}
    for match in _TOKENS.finditer(text):
        if match.group("user"):
            domain = match.group("domain")
            name = match.group("user").lower()
            if (domain is None or domain.lower() == local_domain) and name not in usernames:
                usernames.append(name)
        elif match.group("tag"):
            tag = match.group("tag")[:MAX_TAG_LENGTH]
            tags.setdefault(tag.lower(), tag)
    return Parsed(usernames, tags)


def length(text: str, spoiler_text: str = "") -> int:
    """Characters as Mastodon counts them: links 23 each, remote mentions without domain."""
    counted = _TOKENS.sub(_counted_form, text)
    return len(counted) + len(spoiler_text)


def _counted_form(match: re.Match[str]) -> str:
    if match.group("url"):
        return "x" * URL_LENGTH
    if match.group("user"):
        return "@" + match.group("user")
    return match.group(0)


def render(
    text: str, base_url: str, local_domain: str, mentions: Mapping[str, MentionTarget]
) -> str:
    """Safe HTML for ``text``; ``mentions`` maps lower-cased usernames to local accounts."""
    pieces: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        pieces.append(html.escape(text[position : match.start()]))
        pieces.append(_anchor(match, base_url, local_domain, mentions))
        position = match.end()
    pieces.append(html.escape(text[position:]))
    body = "".join(pieces).replace("\r\n", "\n").strip()
    if not body:
        return ""
    return "".join(f"<p>{p.replace(chr(10), '<br />')}</p>" for p in _PARAGRAPHS.split(body))


def _anchor(
    match: re.Match[str], base_url: str, local_domain: str, mentions: Mapping[str, MentionTarget]
) -> str:
    if match.group("url"):
        url = match.group("url")
        shown = re.sub(r"^https?://(www\.)?", "", url)
        return (
            f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
            f'translate="no">{html.escape(shown)}</a>'
        )
    if match.group("user"):
        target = mentions.get(match.group("user").lower())
        domain = match.group("domain")
        if target is None or (domain is not None and domain.lower() != local_domain):
            return html.escape(match.group(0))
        href = html.escape(f"{base_url}/@{target.username}")
        return (
            f'<span class="h-card" translate="no"><a href="{href}" class="u-url mention">'
            f"@<span>{html.escape(target.username)}</span></a></span>"
        )
    tag = match.group("tag")[:MAX_TAG_LENGTH]
    href = html.escape(f"{base_url}/tags/{tag.lower()}")
    return (
        f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{html.escape(tag)}</span></a>'
        + html.escape(match.group("tag")[MAX_TAG_LENGTH:])
    )
