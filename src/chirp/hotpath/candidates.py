"""A timeline's newest candidates held in process memory (the public timeline, a hashtag's, an
account's), with the same cap-and-floor rule as home feeds (``chirp.timelines.feeds``).

A list is filled from the database with its newest ``size`` candidates. If there were fewer,
it holds every candidate (``floor`` None); if not, ``floor`` is the oldest id held and pages
reaching below it belong to the database. New statuses go in above the floor, deletes come
out; trimming back to ``size`` raises the floor.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from chirp.core.pagination import Page


@dataclass(slots=True, eq=False)
class Candidates:
    ids: list[int]  # ascending
    floor: int | None
    version: int = 0  # raised by every change: a page chosen from it earlier is stale

    @classmethod
    def of(cls, newest_first: list[int], size: int) -> Candidates:
        """From a fill that asked the database for ``size`` candidates."""
        ids = sorted(set(newest_first))
        return cls(ids, ids[0] if len(newest_first) >= size and ids else None)

    def add(self, status_id: int, size: int) -> None:
        if self.floor is not None and status_id < self.floor:
            return  # below the floor the database answers
        at = bisect.bisect_left(self.ids, status_id)
        if at < len(self.ids) and self.ids[at] == status_id:
            return
        self.ids.insert(at, status_id)
        self.version += 1
        if len(self.ids) > size:
            del self.ids[: len(self.ids) - size]
            self.floor = self.ids[0]

    def remove(self, status_id: int) -> None:
        at = bisect.bisect_left(self.ids, status_id)
        if at < len(self.ids) and self.ids[at] == status_id:
            del self.ids[at]
            self.version += 1

    def scan(self, page: Page) -> tuple[list[int], bool] | None:
        """The ids inside ``page``'s bounds in its order (newest first, or oldest first for
        ``min_id``), and whether they run down to the last candidate there is; None when the
        page starts below what the list keeps."""
        ids = self.ids
        if page.ascending:
            low = max(page.min_id or 0, page.since_id or 0)
            if self.floor is not None and (page.min_id or 0) < self.floor:
                return None
            start = bisect.bisect_right(ids, low)
            end = len(ids) if page.max_id is None else bisect.bisect_left(ids, page.max_id)
            return ids[start:end], True
        start = 0 if page.since_id is None else bisect.bisect_right(ids, page.since_id)
        end = len(ids) if page.max_id is None else bisect.bisect_left(ids, page.max_id)
        # Running out means the end when nothing was trimmed, or the page stops above the floor.
        whole = self.floor is None or (page.since_id is not None and page.since_id >= self.floor)
        return ids[start:end][::-1], whole
