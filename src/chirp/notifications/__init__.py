"""Notifications: what happened to an account, kept on its shard."""
