"""The SQL stores' schema: its versions, how an older one is upgraded, and what is refused.

Version 2, the event log, is `mock_meta` (the schema's version and the digest key) and `events`
(seq, kind, body, digests: codec.py). A later version adds to MIGRATIONS; none rewrites this one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 2
# Schema 1 (gamifyhost-mock 0.1.0's first stores) kept a table per kind of record; the event log
# began with schema 2. This version does not carry such a store over: it says so and stops.
FIRST_READABLE = 2


class StoreError(Exception):
    """A store the mock cannot start from: another version's, another program's, other fixtures'."""


@dataclass(frozen=True)
class Dialect:
    """How an engine's SQL differs."""

    placeholder: str  # ? or %s
    blob: str  # BLOB or BYTEA

    def sql(self, text: str) -> str:
        """`text`, written with ? placeholders, in this engine's."""
        return text.replace("?", self.placeholder) if self.placeholder != "?" else text


def tables(dialect: Dialect) -> list[str]:
    """Version 2 of the schema."""
    return [
        "CREATE TABLE mock_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE events (seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, "
        f"digests {dialect.blob})",
    ]


# Schema changes after version 2, in order: version n+1 is MIGRATIONS[n - 2], statements in order.
MIGRATIONS: list[Callable[[Dialect], list[str]]] = []


def set_up(cursor: Any, dialect: Dialect, has_table: Callable[[Any, str], bool]) -> bytes:
    """Create the schema in a new store, upgrade an older one, or refuse one this version cannot
    read (StoreError); the store's digest key."""

    def run(text: str, parameters: tuple[Any, ...] = ()) -> Any:
        cursor.execute(dialect.sql(text), parameters)
        return cursor

    def meta(name: str) -> str | None:
        row = run("SELECT value FROM mock_meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_meta(name: str, value: str) -> None:
        if not run("UPDATE mock_meta SET value = ? WHERE name = ?", (value, name)).rowcount:
            run("INSERT INTO mock_meta (name, value) VALUES (?, ?)", (name, value))

    if not has_table(cursor, "mock_meta"):
        if has_table(cursor, "events"):
            raise StoreError("it holds tables of another program, not a store of gamifyhost-mock")
        for statement in tables(dialect):
            run(statement)
        set_meta("schema", str(SCHEMA_VERSION))
        set_meta("digest_key", os.urandom(32).hex())
    else:
        version = int(meta("schema") or "0")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"it was made by a newer version of gamifyhost-mock (schema {version}); this "
                f"version reads schema {SCHEMA_VERSION} and older"
            )
        if version < 1:
            raise StoreError("its schema version is unknown: it is not a store of gamifyhost-mock")
        if version < FIRST_READABLE:
            raise StoreError(
                f"it was made by an older version of gamifyhost-mock (schema {version}, a table per "
                f"record) that this version (schema {SCHEMA_VERSION}, an event log) cannot carry over: "
                "start this version on a new file or database (or schema), or run the older one on it"
            )
        for migration in MIGRATIONS[version - FIRST_READABLE :]:
            for statement in migration(dialect):
                run(statement)
        set_meta("schema", str(SCHEMA_VERSION))
    return bytes.fromhex(meta("digest_key") or "")
