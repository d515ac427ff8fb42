"""What the OAuth context needs from the process: the accounts platform and the resolved-token
cache."""

from __future__ import annotations

from typing import Protocol

from chirp.accounts.platform import AccountsPlatform
from chirp.oauth.cache import TokenCache


class OAuthPlatform(AccountsPlatform, Protocol):
    @property
    def tokens(self) -> TokenCache: ...
