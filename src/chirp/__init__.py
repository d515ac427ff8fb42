"""Chirp: a Twitter-like microblogging server that speaks the Mastodon client API."""

__version__ = "0.1.0"
