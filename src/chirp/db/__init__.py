"""The data layer: table metadata, the shard map and the unit of work."""
