"""Statuses: writing, editing, deleting, and the interactions on them (favourites, reblogs,
bookmarks, pins)."""
