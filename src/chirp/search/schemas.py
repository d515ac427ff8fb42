"""Search inputs, as Mastodon takes them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MAX_LIMIT = 40


class SearchQuery(BaseModel):
    q: str = Field(default="", max_length=1000)
    type: Literal["accounts", "hashtags", "statuses"] | None = None
    resolve: bool = False  # there are no other servers to ask: accepted and ignored
    following: bool = False  # accounts: only those the searcher follows
    account_id: str | None = None  # statuses: only this account's
    exclude_unreviewed: bool = False  # hashtags are not reviewed here: accepted and ignored
    limit: int = 20
    offset: int = Field(default=0, ge=0)

    @property
    def bounded_limit(self) -> int:
        return max(1, min(self.limit, MAX_LIMIT))
