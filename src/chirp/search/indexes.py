"""The full-text and prefix indexes search owns, which the models cannot describe: an FTS5
table kept in step by triggers on SQLite, a GIN index over ``to_tsvector`` and a
``text_pattern_ops`` index on PostgreSQL. Migration 0005b creates them; ``include_name``
keeps them out of Alembic's comparison of the models with the databases.

A later SQLite migration that rebuilds the ``status`` table (``batch_alter_table`` with a
column change) drops the triggers with the old table: it must run ``SQLITE_TRIGGERS`` again.
"""

from __future__ import annotations

# The text search configuration: 'simple' lower-cases and splits words without stemming for
# one language, since a server's posts come in many.
TS_CONFIG = "'simple'::regconfig"
FTS_TABLE = "status_fts"
GIN_INDEX = "ix_status_text_fts"
TAG_PREFIX_INDEX = "ix_status_tag_name_pattern"

# Spelled out (not formatted) so each statement reads as the SQL it is.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS status_fts_insert AFTER INSERT ON status
    WHEN new.reblog_of_id IS NULL BEGIN
        INSERT INTO status_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS status_fts_update AFTER UPDATE OF text ON status
    WHEN new.reblog_of_id IS NULL BEGIN
        UPDATE status_fts SET text = new.text WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS status_fts_delete AFTER DELETE ON status BEGIN
        DELETE FROM status_fts WHERE rowid = old.id;
    END""",
)
SQLITE_CREATE = (
    # remove_diacritics 2: "cafe" finds "café".
    "CREATE VIRTUAL TABLE status_fts USING fts5(text, tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO status_fts(rowid, text) SELECT id, text FROM status WHERE reblog_of_id IS NULL",
    *SQLITE_TRIGGERS,
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS status_fts_insert",
    "DROP TRIGGER IF EXISTS status_fts_update",
    "DROP TRIGGER IF EXISTS status_fts_delete",
    "DROP TABLE IF EXISTS status_fts",
)
POSTGRES_CREATE = (
    # The expression is TS_CONFIG's: queries must spell it the same to use the index.
    "CREATE INDEX ix_status_text_fts ON status USING gin (to_tsvector('simple'::regconfig, text))",
    # LIKE 'prefix%' can use a btree whatever the database's collation with this operator class.
    "CREATE INDEX ix_status_tag_name_pattern ON status_tag (name text_pattern_ops)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_status_text_fts",
    "DROP INDEX IF EXISTS ix_status_tag_name_pattern",
)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic: leave search's own objects (and FTS5's shadow tables) out of comparisons."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(FTS_TABLE):
        return False
    return name not in (GIN_INDEX, TAG_PREFIX_INDEX)
