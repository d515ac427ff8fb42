"""Timelines: home (through a pluggable strategy), public, hashtag and account timelines."""
