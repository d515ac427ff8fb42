"""The migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from chirp.migrations.models import Base
from chirp.runtime import Runtime
from chirp.search.indexes import include_name


async def test_migrated_databases_match_the_models(rt: Runtime) -> None:
    for shard in rt.shards.physical:
        async with shard.engine.connect() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                # Search's FTS objects are made by its migration, not described by models.
                options = {"compare_type": True, "include_name": include_name}
                context = MigrationContext.configure(sync_conn, opts=options)
                return list(compare_metadata(context, Base.metadata))

            differences = await conn.run_sync(diff)
        assert differences == [], differences
