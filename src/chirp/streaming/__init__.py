"""Mastodon's streaming API: server-sent events and the WebSocket, fed through a hub."""
