"""How much data a scale means."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scale:
    accounts: int
    follows: int
    statuses: int
    favourites: int

    def check(self) -> None:
        """Refuse what cannot be built: more follows than distinct pairs, empty populations."""
        if self.accounts < 2:
            raise ValueError("a scale needs at least 2 accounts")
        if min(self.follows, self.statuses, self.favourites) < 0:
            raise ValueError("counts cannot be negative")
        # At most half of all ordered pairs, so drawing distinct targets stays cheap.
        if self.follows > self.accounts * (self.accounts - 1) // 2:
            raise ValueError("at most accounts*(accounts-1)/2 follows")

    @property
    def rows(self) -> int:
        return self.accounts + self.follows + self.statuses + self.favourites


SCALES = {
    "small": Scale(accounts=1_000, follows=100_000, statuses=50_000, favourites=50_000),
    "medium": Scale(accounts=10_000, follows=1_000_000, statuses=500_000, favourites=500_000),
    "large": Scale(accounts=100_000, follows=10_000_000, statuses=5_000_000, favourites=5_000_000),
}
