"""The SQLite store: `--store sqlite:///PATH` (`sqlite:////PATH`: absolute), durable, for one or more mocks.

Write-ahead logging: a commit is in the log file before the answer goes out, so a mock killed
at any moment (kill -9) loses nothing it answered 200 for, and readers never wait for the
writer. `synchronous=NORMAL` leaves the log's flush to the operating system: a crash of the
machine itself, rather than of the mock, may lose the last commits; `?synchronous=full` in the
URL makes each commit wait for the disk. Several processes (`--workers N`) share the file; its
write lock makes them take turns.

Each request first asks whether another connection kept anything (`catch_up`). Most find that
nobody did, so the question is made cheap: the header of SQLite's WAL index (the `-shm` file,
whose layout sqlite.org/walformat.html describes) changes with every commit of any connection, and
is read from memory, with no statement. Only when it changed is SQLite asked (`PRAGMA
data_version`), and only when that says another connection committed is the log read. A write
whose commit was the only one (the header's commit counter moved by one across it) leaves the
header as seen, so the request after it asks nothing either.

A commit that takes the log past 1,000 pages copies it into the database file (a checkpoint),
and first waits for the disk to hold the log: about 14 ms of 4 MB that held up every request of
a loaded mock. So while commits go on, a thread of the store copies what they added every
CHECKPOINT_SECONDS, and the disk's wait is its own (`_Checkpoints`).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import sqlite3
import struct
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .sql import Conflict, Dialect, SqlStore, StoreError

DIALECT = Dialect(placeholder="?", blob="BLOB")
SYNCHRONOUS = ("normal", "full")
BUSY_TIMEOUT_MS = 30_000
# The WAL index begins with two copies of its 48-byte header (a writer writes the second copy
# first): its version is the first word, a counter of commits the third.
WAL_INDEX_HEADER = slice(0, 96)
WAL_INDEX_VERSION = 3007000
COMMIT_COUNTER = 8
CHECKPOINT_SECONDS = 0.1


class SqliteStore(SqlStore):
    dialect = DIALECT
    # A read is one query of a local file, a few microseconds: cheaper in the event loop than
    # handing it to a thread. A write may wait for another process's write (--workers N).
    blocking = False

    def __init__(self, path: Path, synchronous: str = "normal") -> None:
        super().__init__()
        if synchronous not in SYNCHRONOUS:
            raise StoreError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}")
        self.path = path
        self.name = f"sqlite:///{path}"
        self._synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._generation = 0  # moved by close(): a thread's connection of an older one is opened anew
        self._wal_index: mmap.mmap | None = None  # the -shm file, read-only, while a connection is open
        self._wal_index_looked = False  # for it, since the last close()
        self._checkpoints: _Checkpoints | None = None  # from the first commit to close()
        if not path.parent.is_dir():
            raise StoreError(f"{path}: its directory does not exist{_absolute_hint(path)}")
        if path.exists():
            _refuse_other_files(path)
        try:
            self.open_schema()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{path}: not a store of gamifyhost-mock: {error}") from None

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.generation != self._generation:
            # Each thread its own connection; closed from any thread at the end (check_same_thread off).
            connection = sqlite3.connect(
                self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self._synchronous.upper()}")
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._local.connection, self._local.generation = connection, self._generation
            self._local.data_version = None  # a new connection's versions are its own
            self._local.wal_header = None
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _read(self, text: str, parameters: Sequence[Any]) -> list[Any]:
        return self._connection().execute(text, parameters).fetchall()

    def catch_up(self) -> None:
        """Take up what other connections kept, only if one kept anything.

        The WAL index's header changes with each commit of any connection, this one's too: while
        it is as this thread last saw it, nobody kept anything. When it moved, SQLite's
        data_version of this thread's connection says whether another connection (another
        process, another thread of this one) committed; only then is the log read. Both are read
        before the log, so a commit after them is seen next time."""
        local = self._local
        try:
            connection = self._connection()
            header = self._wal_header()
            if header is not None and header == local.wal_header:
                return
            version = connection.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as error:
            raise self._unavailable(error, write=False) from error
        if not self._wal_index_looked:  # SQLite makes the index as a connection first reads
            with self._connections_lock:
                if not self._wal_index_looked and self._connections:
                    self._wal_index, self._wal_index_looked = _mapped_wal_index(self.path), True
        if version != local.data_version:
            super().catch_up()
            local.data_version = version
        local.wal_header = header

    def _commit(self, statements: list[tuple[str, Sequence[Any]]]) -> None:
        """Run the statements in one transaction. When the WAL index shows that this commit was
        the only one since this thread last looked (its commit counter moved by one), the header
        after it is taken as seen: the next request asks SQLite nothing about it."""
        local = self._local
        before = self._wal_header()
        self._run(statements)
        if self._checkpoints is None:
            with self._connections_lock:
                if self._checkpoints is None:
                    self._checkpoints = _Checkpoints(self.path)
        self._checkpoints.committed()
        if before is None or before != local.wal_header:
            return
        after = self._wal_header()
        if after is not None and _commits_between(before, after) == 1:
            local.wal_header = after

    def _wal_header(self) -> bytes | None:
        wal_index = self._wal_index
        return None if wal_index is None else wal_index[WAL_INDEX_HEADER]

    def _run(self, statements: list[tuple[str, Sequence[Any]]]) -> None:
        connection = self._connection()
        try:
            if len(statements) == 1:  # one statement: a transaction of its own
                connection.execute(*statements[0])
                return
            connection.execute("BEGIN IMMEDIATE")
            try:
                for text, parameters in statements:
                    connection.execute(text, parameters)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    connection.rollback()
                raise
            connection.commit()
        except sqlite3.IntegrityError as taken:  # the events' numbers are the only constraint
            raise Conflict from taken

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        connection = self._connection()
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")  # the write lock first: one process sets up at a time
        try:
            yield cursor
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.rollback()
            raise
        finally:
            cursor.close()  # a statement left unfinished would hold a read snapshot open
        connection.commit()

    def _failed(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.Error)

    def _has_table(self, cursor: Any, name: str) -> bool:
        row = cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        """Close every connection: the last one checkpoints the log into the file and removes it."""
        checkpoints, self._checkpoints = self._checkpoints, None
        if checkpoints is not None:
            checkpoints.stop()
        with self._connections_lock:
            self._generation += 1
            for connection in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    connection.close()
            self._connections.clear()
            # Dropped, not closed: a thread may be reading it; the mapping outlives the file.
            self._wal_index, self._wal_index_looked = None, False


class _Checkpoints:
    """A thread that copies the log into the database file CHECKPOINT_SECONDS after a commit,
    and every CHECKPOINT_SECONDS while commits go on; idle otherwise. Its checkpoints are
    passive: they wait for no reader or writer, and none waits for them. SQLite's own checkpoint,
    in the commit that takes the log past 1,000 pages, then finds little left to copy or to
    flush, and starts the log over."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._committed = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gamifyhost-sqlite-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        self._committed.set()

    def stop(self) -> None:
        self._stopping.set()
        self._committed.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, isolation_level=None, timeout=0, check_same_thread=False)
        except sqlite3.Error:
            return  # then SQLite's own checkpoints do it all, as without this thread
        try:
            while self._committed.wait() and not self._stopping.wait(CHECKPOINT_SECONDS):
                self._committed.clear()
                with contextlib.suppress(sqlite3.Error):  # busy, or the store going away: next time
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()


def _mapped_wal_index(path: Path) -> mmap.mmap | None:
    """The header of the database's WAL index, mapped read-only; None where it cannot be (no
    `-shm` file, an unknown layout): then each request asks SQLite. An open connection keeps the
    file, and its size, while the store holds one."""
    try:
        with open(f"{os.path.realpath(path)}-shm", "rb") as shm:
            mapped = mmap.mmap(shm.fileno(), WAL_INDEX_HEADER.stop, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    if struct.unpack_from("=I", mapped)[0] != WAL_INDEX_VERSION:
        mapped.close()
        return None
    return mapped


def _commits_between(before: bytes, after: bytes) -> int | None:
    """How many commits the WAL index counted between two readings of its header; None if
    either reading caught a header half written (its two copies differ)."""
    if before[:48] != before[48:] or after[:48] != after[48:]:
        return None
    counted = (
        struct.unpack_from("=I", after, COMMIT_COUNTER)[0]
        - struct.unpack_from("=I", before, COMMIT_COUNTER)[0]
    )
    return counted % (1 << 32)


def _refuse_other_files(path: Path) -> None:
    with open(path, "rb") as stream:
        head = stream.read(64)
    if head.lstrip().startswith(b"{"):
        raise StoreError(
            f"{path}: a JSON state file of an older version of gamifyhost-mock; this version keeps its "
            "state in SQLite. Move the file away (its batches cannot be carried over) and start again"
        )
    if head and not head.startswith(b"SQLite format 3\x00"):
        raise StoreError(f"{path}: not a SQLite database, so not a store of gamifyhost-mock")


def _absolute_hint(path: Path) -> str:
    """For a relative path that would exist from the root: the URL of four slashes that means it."""
    relative = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else None
    if relative is None or not (Path("/") / relative).parent.is_dir():
        return ""
    return f" (for the absolute path /{relative}, write sqlite:////{relative}: four slashes)"
