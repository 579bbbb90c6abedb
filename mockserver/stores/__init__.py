"""The stores: where the mock keeps what it is told, all behind domain.ports.Store. Each keeps and
applies the domain's events (domain/events.py): memory.py in this process; sql.py in a log of
events (codec.py, schema.py) with a replica in memory and a line of writes (group_commit.py),
over SQLite (sqlite.py) or PostgreSQL (postgresql.py).

`open_store(url)` takes what `--store` takes:

| URL | store |
|---|---|
| `memory` | this process only, the default and the fastest |
| `sqlite:///PATH` | a SQLite file, kept across restarts and crashes (read as SQLAlchemy reads it) |

`sqlite:///state.db` is `./state.db`; four slashes start an absolute path, `sqlite:////var/lib/mock/state.db`.
| `postgresql://USER:PASS@HOST:PORT/DB` | shared by every mock pointed at it |
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..domain.ports import Store
from .memory import MemoryStore
from .schema import StoreError

__all__ = ["MemoryStore", "Store", "StoreError", "open_store", "sqlite_path", "sqlite_url", "store_kind"]

USAGE = "memory, sqlite:///RELATIVE/PATH, sqlite:////ABSOLUTE/PATH or postgresql://USER:PASS@HOST:PORT/DB"


def store_kind(url: str) -> str:
    """memory, sqlite or postgresql; StoreError for anything else."""
    scheme = "memory" if url == "memory" else urlsplit(url).scheme
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    if scheme in ("memory", "sqlite"):
        return scheme
    raise StoreError(f"not a store: {url!r}; use {USAGE}")


def sqlite_path(url: str) -> Path:
    """The file a sqlite:// URL names, read as SQLAlchemy reads it, made absolute.

    Three slashes start a path relative to the current directory (`sqlite:///state.db`), four an
    absolute one (`sqlite:////var/lib/mock/state.db`).
    """
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise StoreError(
            f"{url!r}: a SQLite store is sqlite:///RELATIVE/PATH (from the current directory) "
            "or sqlite:////ABSOLUTE/PATH (four slashes)"
        )
    return Path(parts.path[1:]).absolute()


def sqlite_url(path: Path | str) -> str:
    """The sqlite:// URL of a file, absolute: `sqlite:////abs/path`."""
    return f"sqlite:///{Path(path).absolute()}"


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
