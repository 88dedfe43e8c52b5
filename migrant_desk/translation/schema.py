"""The translation memory's table (migrant_desk/translation/memory.py reads and writes it)."""

from __future__ import annotations


from .. import db

TABLE = "translation_memory"
MIGRATIONS = db.Migrations("translation")


@MIGRATIONS("translation-001-memory")
def _create_memory(d: db.Database) -> None:
    d.execute(d.dialect.ddl(f"""
        CREATE TABLE {TABLE} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source_hash TEXT NOT NULL,
            source_lang TEXT NOT NULL,
            target_lang TEXT NOT NULL,
            model_id TEXT NOT NULL,
            source_text TEXT NOT NULL,
            text TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('machine', 'reviewed', 'stale')),
            previous_status TEXT,
            gate_passed INTEGER NOT NULL,
            gate_score REAL,
            gate_reasons TEXT NOT NULL DEFAULT '[]',
            ref TEXT,
            reviewed_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (source_hash, source_lang, target_lang, model_id)
        )"""))
    d.execute(f"CREATE INDEX {TABLE}_lookup ON {TABLE} (source_hash, source_lang, target_lang, status)")
    d.execute(f"CREATE INDEX {TABLE}_ref ON {TABLE} (ref)")
