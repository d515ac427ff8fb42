"""The workload: what each scenario requests, built from a token document.

A token document is what ``chirp seed`` writes (tokens of measured accounts, status and
account ids worth reading). For a peer server a plain file of tokens, one per line, is enough:
the ids are then discovered through its API (``discover``).
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Line = tuple[str, str, str, str]  # method, path, token, form body
MAX_LINES = 4096


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    read: bool  # reads have a ceiling; writes change data and run last
    description: str

    def plan(self, doc: dict[str, Any], connections: int) -> list[Line]:
        tokens = [a["token"] for a in doc["accounts"]][: max(connections, 1)]
        if not tokens:
            raise ValueError("the token document holds no accounts")
        statuses = doc.get("status_ids") or []
        authors = doc.get("account_ids") or [a["id"] for a in doc["accounts"]]
        if self.name == "home":
            return [("GET", "/api/v1/timelines/home?limit=20", t, "") for t in tokens]
        if self.name == "public":
            return [("GET", "/api/v1/timelines/public?limit=20", t, "") for t in tokens]
        if self.name == "tag":
            return _pairs(tokens, tags_of(doc), "GET", "/api/v1/timelines/tag/{}?limit=20")
        if self.name == "account":
            return _pairs(tokens, authors, "GET", "/api/v1/accounts/{}/statuses?limit=20")
        if self.name == "status":
            return _pairs(tokens, statuses, "GET", "/api/v1/statuses/{}")
        if self.name == "post":
            return [
                (
                    "POST",
                    "/api/v1/statuses",
                    t,
                    f"status=Benchmark+post+{n}+%23bench&visibility=public",
                )
                for n, t in enumerate(tokens)
            ]
        if self.name == "favourite":
            return _pairs(tokens, statuses, "POST", "/api/v1/statuses/{}/favourite")
        raise ValueError(f"unknown scenario {self.name}")


def _pairs(tokens: list[str], ids: list[str], method: str, template: str) -> list[Line]:
    """Tokens and ids in lockstep, so consecutive requests differ in both."""
    if not ids:
        raise ValueError(f"no ids to fill {template}")
    count = min(MAX_LINES, max(len(tokens), len(ids)))
    pairs = zip(itertools.cycle(tokens), itertools.cycle(ids))
    return [(method, template.format(i), t, "") for t, i in itertools.islice(pairs, count)]


SCENARIOS = (
    Scenario("home", True, "home timeline, 20 per page, a different account per connection"),
    Scenario("public", True, "public timeline, 20 per page"),
    Scenario("tag", True, "hashtag timelines, 20 per page, the seed's most used tags"),
    Scenario("account", True, "an account's statuses, 20 per page"),
    Scenario("status", True, "one status"),
    Scenario("post", False, "posting a status"),
    Scenario("favourite", False, "favouriting a status"),
)
BY_NAME = {s.name: s for s in SCENARIOS}


def tags_of(doc: dict[str, Any]) -> list[str]:
    """The hashtags to read: the document's, or the seed's most used (chirp.seed.words)."""
    listed = doc.get("tags")
    if listed:
        return list(listed)
    from chirp.seed.words import TAGS

    return list(TAGS[:8])


def load_tokens(path: Path, base_url: str) -> dict[str, Any]:
    """A token document from ``chirp seed``'s JSON, or from a file of tokens one per line."""
    text = path.read_text()
    if text.lstrip().startswith("{"):
        return dict(json.loads(text))
    tokens = [line.strip() for line in text.splitlines() if line.strip()]
    return discover(base_url, tokens)


def discover(base_url: str, tokens: list[str]) -> dict[str, Any]:
    """Account ids (verify_credentials) and public status ids (the public timeline) of a
    Mastodon-compatible server, for tokens that came without them."""
    accounts = []
    for token in tokens:
        me = _get_json(f"{base_url}/api/v1/accounts/verify_credentials", token)
        accounts.append({"id": me["id"], "username": me["username"], "token": token})
    page = _get_json(f"{base_url}/api/v1/timelines/public?limit=40&local=true", tokens[0])
    statuses = [s["id"] for s in page if s.get("visibility") == "public"]
    authors = sorted({s["account"]["id"] for s in page})
    tags = sorted({t["name"].lower() for s in page for t in s.get("tags", [])})
    return {
        "base_url": base_url,
        "accounts": accounts,
        "status_ids": statuses,
        "account_ids": authors,
        "tags": tags,
    }


def _get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())
