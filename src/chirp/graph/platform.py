"""What the graph context, and the contexts above it that ask about relations, need from the
process: the accounts platform and the viewers' relations cache."""

from __future__ import annotations

from typing import Protocol

from chirp.accounts.platform import AccountsPlatform
from chirp.graph.cache import RelationsCache


class GraphPlatform(AccountsPlatform, Protocol):
    @property
    def relations(self) -> RelationsCache: ...
