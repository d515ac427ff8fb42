"""The schema's history (Alembic) and applying it to every shard database (each holds the whole
schema). This package sits above every context: ``models`` lists each context's tables, so
``chirp.db`` never has to know the contexts."""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config

from chirp.config import Settings

log = structlog.get_logger(__name__)
SCRIPTS = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade_all(settings: Settings, revision: str = "head") -> None:
    """Upgrade each database in turn. Alembic runs its own event loop: call from sync code."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for index, url in enumerate(settings.physical_urls):
        command.upgrade(alembic_config(url), revision)
        log.info("database_migrated", shard=index, revision=revision)
