"""What SQLite and PostgreSQL stores share: a log of every event, and a replica of it in memory.

The database holds one table that matters, `events`: every event the mock kept, in order
(codec.py says how each is a row; schema.py, how the tables are made and upgraded). Each
process keeps a replica of what the log adds up to, a MemoryStore, to which it applies the
log's events, with the same `apply` the memory store's writes use (domain/events.py). So:

- a read is answered from the replica, after one query for events newer than it has seen (so
  what another process kept is there: several processes act as one mock); a write may skip
  that query (`writes_since`): it is then kept only if nothing another process kept reached
  the replica since its checks, and refused (StoreMoved) otherwise, to be checked again;
- a write waits its turn in the process's line (group_commit.py), decides on the replica as it
  is then, and appends its events as the ones after the last the replica holds. The primary
  key orders writes across processes: if another process took those numbers first, the
  replica was behind, so it catches up and the write decides again. Only once the events are
  committed does the write answer, and the replica apply them. A 200 is never lost, and of two
  redemptions of one code, on any processes, the second decides on the first's event.

Events commit in the order of their numbers: a transaction appends numbers right after those
it has seen, and the key refuses a number taken. So a reader that has seen event n has seen all
before it. A write that fails raises StoreUnavailable (a 503) and keeps nothing; the store says
it is unhealthy until a write succeeds again. Codes are kept as 64-bit digests only.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from ..domain.events import CorruptLog, Decision, Event, Reset
from ..domain.ports import PartnerSeed, StoreMoved, StoreUnavailable, View
from ..domain.records import ApiKey, Batch, Campaign, CampaignKey, CodeRecord
from .codec import Row, UnknownEvent, decoded, encoded
from .group_commit import GroupView, Line, Pending
from .memory import MemoryStore
from .schema import Dialect, StoreError, set_up

__all__ = ["Conflict", "Dialect", "SqlStore", "StoreError"]

logger = logging.getLogger("mockserver")

READ = "SELECT seq, kind, body, digests FROM events WHERE seq > ? ORDER BY seq"
APPEND_INTO = "INSERT INTO events (seq, kind, body, digests)"
ATTEMPTS = 1000  # appends lost to other processes' in a row before a write gives up (a 503)
ROWS_PER_INSERT = 100  # events per INSERT statement: 400 parameters, well under SQLite's limit


# The event a request's checks saw the store at, in a `writes_since()` block.
_SINCE: contextvars.ContextVar[int | None] = contextvars.ContextVar("gamifyhost_since", default=None)


class Conflict(Exception):
    """Another process appended the event number a write meant to take: catch up, try again."""


class SqlStore:
    """The store over a SQL engine; a subclass connects and runs statements its engine's way."""

    name: str
    blocking = True
    shared = True  # several processes may share a file or a database
    dialect: Dialect

    def __init__(self) -> None:
        self._replica = MemoryStore()
        self._seen = 0  # the last event the replica holds
        self._foreign = 0  # the last event the replica took up from the log, not from its own writes
        self._applying = threading.Lock()  # one thread at a time brings the replica up to date
        self._line = Line(self._keep)
        self._tickets = 0  # requests that asked to catch up (caught_up)
        # The look under way, and the last ticket it serves.
        self._query: tuple[asyncio.Future[None], int] | None = None
        self._digest_key = b""
        self._failure: str | None = None  # why the last write failed, while no write has succeeded since
        self._failed_writes = 0
        self._last_failure: str | None = None

    # -- what an engine provides -----------------------------------------------------------

    def _read(self, text: str, parameters: Sequence[Any]) -> list[Any]:
        """The rows of one query."""
        raise NotImplementedError

    def _commit(self, statements: list[tuple[str, Sequence[Any]]]) -> None:
        """Run statements in one transaction; Conflict if an event's number is taken."""
        raise NotImplementedError

    def _transaction(self) -> contextlib.AbstractContextManager[Any]:
        """A cursor in a transaction that sets the schema up, one process at a time."""
        raise NotImplementedError

    def _failed(self, error: Exception) -> bool:
        """Whether an engine error means the store cannot read or keep."""
        raise NotImplementedError

    def _has_table(self, cursor: Any, name: str) -> bool:
        raise NotImplementedError

    # -- set-up ----------------------------------------------------------------------------

    def open_schema(self) -> None:
        """Create the schema in a new store; upgrade an older one; refuse one this version cannot read."""
        try:
            with self._transaction() as cursor:
                self._digest_key = set_up(cursor, self.dialect, self._has_table)
        except (StoreError, ValueError):
            raise
        except Exception as error:
            raise self._unavailable(error, write=True) from error

    def digest_key(self) -> bytes:
        return self._digest_key

    def _unavailable(self, error: Exception, write: bool) -> Exception:
        """What a failed read or write raises: StoreUnavailable (a 503), said in the log."""
        if not self._failed(error):
            return error
        text = str(error).strip()
        reason = f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"
        if write:
            self._failure = self._last_failure = reason
            self._failed_writes += 1
        logger.error("the store %s could not %s: %s", self.name, "write" if write else "read", reason)
        unavailable = StoreUnavailable(StoreUnavailable.KEEP if write else StoreUnavailable.READ)
        unavailable.__cause__ = error
        return unavailable

    # -- the log and the replica -----------------------------------------------------------

    def catch_up(self) -> None:
        """Apply to the replica the events it has not seen yet: one query, nothing new mostly."""
        try:
            rows = self._read(self.dialect.sql(READ), (self._seen,))
        except Exception as error:
            raise self._unavailable(error, write=False) from error
        if rows:
            taken = [(seq, self._decoded(seq, kind, body, digests)) for seq, kind, body, digests in rows]
            self._take(taken)
            self._foreign = max(self._foreign, taken[-1][0])

    @staticmethod
    def _decoded(seq: int, kind: str, body: Any, digests: Any) -> Event:
        try:
            return decoded(kind, body, digests)
        except UnknownEvent as unknown:
            raise StoreError(f"event {seq}: {unknown}") from None

    async def caught_up(self) -> None:
        """Catch up, for an event loop. A local store's query takes microseconds: it runs here.
        Over a network, one query runs at a time, in a thread, and serves every request that
        arrived before it was sent; a request that arrived later waits for the next one."""
        if not self.blocking:
            self.catch_up()
            return
        self._tickets += 1
        ticket = self._tickets
        while True:
            pending = self._query
            if pending is not None and pending[0].done():
                # Awaiting a finished future does not yield: its done callback has not run yet.
                pending = self._query = None
            if pending is not None and pending[1] < ticket:
                # Sent before this request arrived: it may miss a change kept just before.
                with contextlib.suppress(Exception):
                    await asyncio.shield(pending[0])
                continue
            if pending is None:
                future = asyncio.get_running_loop().run_in_executor(None, self.catch_up)
                pending = self._query = (future, self._tickets)
                future.add_done_callback(lambda _, sent=pending: self._sent(sent))
            await asyncio.shield(pending[0])  # StoreUnavailable if it failed
            return

    def _sent(self, query: tuple[asyncio.Future[None], int]) -> None:
        if self._query is query:
            self._query = None

    def _take(self, events: Iterable[tuple[int, Event]], *, checked: Collection[Sequence[int]] = ()) -> None:
        """Apply events in order, skipping those another thread of this process applied first.

        Numbers may jump (a reset deletes the events before it), never go back. `checked`: for a
        group's own events, just kept, the digests its view found new (MemoryStore.apply)."""
        with self._applying:
            for seq, event in events:
                if seq > self._seen:
                    try:
                        self._replica.apply(event, seq, checked=checked)
                    except CorruptLog as corrupt:
                        raise StoreError(f"event {seq}: {corrupt}") from None
                    self._seen = seq

    # -- writes ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def writes_since(self) -> Iterator[None]:
        token = _SINCE.set(self._seen)
        try:
            yield
        finally:
            _SINCE.reset(token)

    def write(self, decide: Callable[[View], Decision], *, grouped: bool = False) -> Any:
        """Wait in the line; decided, kept and applied there (`_keep`). New batches and
        redemptions go in groups of up to GROUP, one transaction each, so that concurrent writes
        share a commit's wait; under load that keeps 1.5 times as many generate(100) per second
        on PostgreSQL as a transaction per write (bench/run.py)."""
        return self._line.submit(decide, alone=not grouped, since=_SINCE.get())

    def _keep(self, group: list[Pending]) -> None:
        """Decide, keep and apply a group of writes; each gets its answer or its error."""
        for _ in range(ATTEMPTS):
            view = GroupView(self._replica, self._seen)
            outcomes: list[tuple[Any, BaseException | None]] = []
            for pending in group:
                if pending.since is not None and self._foreign > pending.since:
                    outcomes.append((None, StoreMoved()))  # its checks may be out of date
                    continue
                try:
                    answer, events = pending.decide(view)
                except Exception as refused:  # that write's own error (a clash, bad fixtures)
                    outcomes.append((None, refused))
                    continue
                view.decided(events)
                outcomes.append((answer, None))
            if view.events:
                numbered = [(view.seen + number, event) for number, event in enumerate(view.events, start=1)]
                try:
                    self._commit(self._statements(view.seen, numbered))
                except Conflict:
                    self.catch_up()
                    continue
                except Exception as error:
                    raise self._unavailable(error, write=True) from error
                self._failure = None
                # Kept as the numbers right after `view.seen`: so the replica took nothing since
                # the group decided (the log would hold it, and have refused these numbers).
                self._take(numbered, checked=view.checked)
            for pending, (answer, refused) in zip(group, outcomes, strict=True):
                pending.answer, pending.error = answer, refused
            return
        raise StoreUnavailable(StoreUnavailable.BUSY)

    def _statements(self, seen: int, events: list[tuple[int, Event]]) -> list[tuple[str, list[Any]]]:
        """The events as statements of one transaction: one INSERT of many rows, one round trip;
        first, after a reset, a DELETE of the events it makes moot."""
        statements: list[tuple[str, list[Any]]] = []
        if any(isinstance(event, Reset) for _, event in events):
            statements.append((self.dialect.sql("DELETE FROM events WHERE seq <= ?"), [seen]))
        rows: list[Row] = [encoded(seq, event) for seq, event in events]
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
            parameters = [value for row in chunk for value in row]
            statements.append((self.dialect.sql(f"{APPEND_INTO} VALUES {values}"), parameters))
        return statements

    # -- reads: the replica's (Codes.refresh brought it up to date) ------------------------

    def version(self) -> int:
        return self._seen

    def is_new(self) -> bool:
        return self._seen == 0

    def clock_offset(self) -> timedelta:
        return self._replica.clock_offset()

    def key(self, secret_sha256: bytes) -> ApiKey | None:
        return self._replica.key(secret_sha256)

    def partner(self, partner_id: str) -> PartnerSeed | None:
        return self._replica.partner(partner_id)

    def campaign(self, key: CampaignKey) -> Campaign | None:
        return self._replica.campaign(key)

    def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return self._replica.campaign_by_id(campaign_id)

    def partners(self) -> list[PartnerSeed]:
        self.catch_up()
        return self._replica.partners()

    def batch(self, batch_id: str) -> Batch | None:
        return self._replica.batch(batch_id)

    def has_batch(self, batch_id: str) -> bool:
        return self._replica.has_batch(batch_id)

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        return self._replica.batch_page(campaign, offset, limit)

    def batches(self, campaign: Campaign) -> list[Batch]:
        return self._replica.batches(campaign)

    def code(self, digest: int) -> CodeRecord | None:
        return self._replica.code(digest)

    def clashes(self, digests: Sequence[int]) -> bool:
        return self._replica.clashes(digests)

    def existing(self, digests: Sequence[int]) -> set[int]:
        self.catch_up()
        return self._replica.existing(digests)

    def code_count(self) -> int:
        self.catch_up()
        return self._replica.code_count()

    def healthy(self) -> str | None:
        return self._failure

    def failed_writes(self) -> tuple[int, str | None]:
        return self._failed_writes, self._last_failure
