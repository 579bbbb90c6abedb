"""The PostgreSQL store: `--store postgresql://USER:PASS@HOST:PORT/DB`, shared by every mock pointed at it.

Several instances on one database act as one mock: a batch generated on one is listed,
verified and redeemed on another; a code is redeemed once, whichever instances race for it (the
redeeming UPDATE takes the row's lock, and the second finds it redeemed); codes are unique
across instances (the digest is the table's key); a reset or a move of the clock is every
instance's. Needs psycopg 3: `pip install "gamifyhost-mock[postgresql]"`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .sql import Dialect, SqlStore, StoreError

DIALECT = Dialect(
    placeholder="%s",
    blob="BYTEA",
    serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    digest_key="BIGINT PRIMARY KEY",
)
# Any number: the advisory lock that keeps two instances from installing the schema at once.
INSTALL_LOCK = 0x6761_6D69_6679


# PostgreSQL's text cannot hold NUL, which JSON strings can: a label, a slug looked up. Text goes
# in and out escaped, one-to-one: ESCAPE stands for itself doubled as ESCAPE + "e", NUL is
# ESCAPE + "0". Equal strings stay equal, so lookups work on escaped values unchanged.
ESCAPE = "\ue000"  # a private-use character
_ESCAPED = re.compile(ESCAPE + "([e0])")


def escaped(text: str) -> str:
    if "\x00" not in text and ESCAPE not in text:
        return text
    return text.replace(ESCAPE, ESCAPE + "e").replace("\x00", ESCAPE + "0")


def unescaped(text: str) -> str:
    if ESCAPE not in text:
        return text
    return _ESCAPED.sub(lambda match: ESCAPE if match[1] == "e" else "\x00", text)


def _text_adapters(connection: Any) -> None:
    """Make `connection` escape the str it sends and unescape the text it reads (see ESCAPE)."""
    from psycopg.types.string import StrDumperUnknown, TextLoader

    class EscapingDumper(StrDumperUnknown):
        def dump(self, obj: str) -> Any:
            return super().dump(escaped(obj))

    class UnescapingLoader(TextLoader):
        def load(self, data: Any) -> Any:
            loaded = super().load(data)
            return unescaped(loaded) if isinstance(loaded, str) else loaded

    connection.adapters.register_dumper(str, EscapingDumper)
    connection.adapters.register_loader("text", UnescapingLoader)


def _first_line(error: Exception) -> str:
    return str(error).strip().partition("\n")[0]


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


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
                pool = ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=self._max_connections,
                    kwargs={"autocommit": False, "prepare_threshold": 2},
                    configure=_text_adapters,
                    open=False,
                )
                try:
                    pool.open(wait=True, timeout=15)
                except Exception as error:
                    pool.close()
                    raise StoreError(f"{self.name}: cannot connect: {_first_line(error)}") from None
                self._opened = pool
            return self._opened

    @contextlib.contextmanager
    def _transaction(self, write: bool) -> Iterator[Any]:
        with self._pool().connection() as connection, connection.transaction(), connection.cursor() as cursor:
            yield cursor

    def _failed(self, error: Exception) -> bool:
        from psycopg_pool import PoolTimeout

        return isinstance(error, self._psycopg.Error | PoolTimeout)

    def _is_clash(self, error: Exception) -> bool:
        return isinstance(error, self._psycopg.errors.UniqueViolation)

    def _install_lock(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (INSTALL_LOCK,))

    def _has_table(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        return bool(cursor.fetchone()[0])

    def _insert_codes(self, cursor: Any, seq: int, digests: list[int]) -> None:
        # One statement for the whole batch: an array travels as one parameter.
        cursor.execute(
            "INSERT INTO codes (digest, batch_seq) SELECT unnest(%s::bigint[]), %s", (digests, seq)
        )

    def close(self) -> None:
        with self._pool_lock:
            if self._opened is not None:
                self._opened.close()
                self._opened = None
