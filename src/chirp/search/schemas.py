"""Search inputs, as Mastodon takes them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chirp.core.openapi import NOT_BLANK, constrain
from chirp.core.params import Flag

MAX_LIMIT = 40


class SearchQuery(BaseModel):
    model_config = ConfigDict(json_schema_extra=constrain(("q",), q=NOT_BLANK))

    q: str = Field(default="", max_length=1000)
    type: Literal["accounts", "hashtags", "statuses"] | None = None
    resolve: Flag = False  # there are no other servers to ask: accepted and ignored
    following: Flag = False  # accounts: only those the searcher follows
    account_id: str | None = Field(default=None, pattern="^[0-9]{0,19}$")  # statuses: its only
    exclude_unreviewed: Flag = False  # hashtags are not reviewed here: accepted and ignored
    limit: int = 20
    offset: int = Field(default=0, ge=0)

    @property
    def bounded_limit(self) -> int:
        return max(1, min(self.limit, MAX_LIMIT))
