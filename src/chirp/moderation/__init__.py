"""Moderation: reports, moderators' actions on accounts (suspend, silence, disable, mark
sensitive), their audit log and domain blocks, behind Mastodon's admin API."""
