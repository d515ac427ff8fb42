"""``chirp seed``: a deterministic bulk data generator for benchmarks and demos.

For a seed number and a scale it always builds the same accounts, follow graph (follower
counts follow a power law), statuses (replies, reblogs, mentions, hashtags, favourites spread
over time) with every counter matching its rows, across the configured shard databases, with
bulk inserts (COPY on PostgreSQL). It then mints real access tokens for a set of measured
accounts and writes them to a file the load runner reads (see bench/).
"""
