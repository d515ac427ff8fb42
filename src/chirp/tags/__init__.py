"""Hashtags: the tag entity, its history, and accounts following tags."""
