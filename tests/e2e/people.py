"""Fresh accounts for end-to-end tests, each signed in with its own Mastodon.py client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mastodon import Mastodon

from tests.conftest import PASSWORD


@dataclass
class Person:
    name: str
    id: str
    api: Mastodon


def people(server: str, *prefixes: str) -> list[Person]:
    """Accounts unique to this test (the server's database outlives it)."""
    suffix = uuid.uuid4().hex[:8]
    client_id, client_secret = Mastodon.create_app("Chirp e2e", api_base_url=server)
    made = []
    for prefix in prefixes:
        name = f"{prefix}_{suffix}"
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
        assert api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
        made.append(Person(name, str(api.account_verify_credentials().id), api))
    return made
