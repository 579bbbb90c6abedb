"""The PostgreSQL store: `--store postgresql://USER:PASS@HOST:PORT/DB`, shared by every mock pointed at it.

Several instances on one database act as one mock (see sql.py): each reads from its replica
once it has taken up the events the others appended, and appends an event only as the next
number after all it has seen (the primary key refuses a number taken). The tables live in
the connection's current schema (`?options=-csearch_path%3DNAME` in the URL picks another), so
one database can hold several stores. Needs psycopg 3: `pip install "gamifyhost-mock[postgresql]"`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .sql import Conflict, Dialect, SqlStore, StoreError

DIALECT = Dialect(placeholder="%s", blob="BYTEA")


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _first_line(error: Exception) -> str:
    return str(error).strip().partition("\n")[0]


class PostgresStore(SqlStore):
    dialect = DIALECT

    def __init__(self, url: str, max_connections: int = 16) -> None:
        super().__init__()
        try:
            import psycopg
            import psycopg_pool  # noqa: F401 - its absence is said here, at start-up
        except ImportError:
            raise StoreError(
                'the PostgreSQL store needs psycopg 3: pip install "gamifyhost-mock[postgresql]"'
            ) from None
        self._psycopg = psycopg
        self._url, self._max_connections = url, max_connections
        self.name = redacted(url)
        self._pool_lock = threading.Lock()
        self._opened: Any = None  # a psycopg_pool.ConnectionPool once open
        self._pool()  # at once: a wrong URL is said at start-up
        self.open_schema()

    def _pool(self) -> Any:
        """The connection pool, opened anew after close() (an app may be served again)."""
        with self._pool_lock:
            if self._opened is None:
                from psycopg_pool import ConnectionPool

                # One plain connection first: a refused or misspelt URL is said at once, where
                # the pool would keep trying until its timeout.
                try:
                    self._psycopg.connect(self._url, connect_timeout=10).close()
                except self._psycopg.Error as error:
                    raise StoreError(f"{self.name}: cannot connect: {_first_line(error)}") from None
                # Autocommit: a read is one statement, one round trip; a write says BEGIN itself.
                pool = ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=self._max_connections,
                    kwargs={"autocommit": True, "prepare_threshold": 2},
                    open=False,
                )
                try:
                    pool.open(wait=True, timeout=15)
                except Exception as error:
                    pool.close()
                    raise StoreError(f"{self.name}: cannot connect: {_first_line(error)}") from None
                self._opened = pool
            return self._opened

    def _read(self, text: str, parameters: Sequence[Any]) -> list[Any]:
        with self._pool().connection() as connection:
            return connection.execute(text, parameters).fetchall()  # type: ignore[no-any-return]

    def _commit(self, statements: list[tuple[str, Sequence[Any]]]) -> None:
        with self._pool().connection() as connection:
            try:
                if len(statements) == 1:  # autocommit: one statement, one round trip
                    connection.execute(*statements[0])
                    return
                with connection.transaction():
                    for text, parameters in statements:
                        connection.execute(text, parameters)
            except self._psycopg.errors.UniqueViolation as taken:
                raise Conflict from taken

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._pool().connection() as connection, connection.cursor() as cursor, connection.transaction():
            # One process sets a schema up at a time: a lock named after the schema.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('gamifyhost-mock ' || current_schema()))")
            yield cursor

    def _failed(self, error: Exception) -> bool:
        from psycopg_pool import PoolTimeout

        return isinstance(error, self._psycopg.Error | PoolTimeout)

    def _has_table(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        return bool(cursor.fetchone()[0])

    def close(self) -> None:
        with self._pool_lock:
            if self._opened is not None:
                self._opened.close()
                self._opened = None
