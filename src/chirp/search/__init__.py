"""Search: accounts, hashtags and the full text of statuses, across every shard."""
