"""The stores: where the mock keeps what it is told, one module per engine, all behind domain.ports.Store.

`open_store(url)` takes what `--store` takes:

| URL | store |
|---|---|
| `memory` | this process only, the default and the fastest |
| `sqlite:///PATH` | a SQLite file at the absolute PATH: kept across restarts and crashes |
| `postgresql://USER:PASS@HOST:PORT/DB` | shared by every mock pointed at it |
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..domain.ports import Store
from .memory import MemoryStore
from .sql import StoreError

__all__ = ["MemoryStore", "Store", "StoreError", "open_store", "store_kind"]

USAGE = "memory, sqlite:///ABSOLUTE/PATH or postgresql://USER:PASS@HOST:PORT/DB"


def store_kind(url: str) -> str:
    """memory, sqlite or postgresql; StoreError for anything else."""
    scheme = "memory" if url == "memory" else urlsplit(url).scheme
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    if scheme in ("memory", "sqlite"):
        return scheme
    raise StoreError(f"not a store: {url!r}; use {USAGE}")


def sqlite_path(url: str) -> Path:
    """The absolute path of a sqlite:/// URL."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/"):
        raise StoreError(
            f"{url!r}: the path of a SQLite store is absolute, after three slashes: sqlite:///PATH"
        )
    return Path("/" + parts.path.lstrip("/"))


def open_store(url: str) -> Store:
    """The store a `--store` URL names, opened: its schema made, upgraded or refused (StoreError)."""
    kind = store_kind(url)
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        from .sqlite import SqliteStore

        options = parse_qs(urlsplit(url).query)
        return SqliteStore(sqlite_path(url), synchronous=options.get("synchronous", ["normal"])[0].lower())
    from .postgresql import PostgresStore

    return PostgresStore(url)
