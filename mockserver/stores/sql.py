"""What SQLite and PostgreSQL stores share: a log of every change, and a replica of it in memory.

The database holds one table that matters, `events`: every change the mock acknowledged, in
order (a partner, a batch and its code digests, a redemption, a revocation, a move of the
clock, a reset). Each process keeps a replica of what the log adds up to: a MemoryStore. So:

- a read is answered from the replica, after one query for events newer than it has seen (so
  what another process acknowledged is there: several processes act as one mock);
- a write takes the store's one write lock (SQLite's, or a PostgreSQL advisory lock), catches
  up, checks against the replica (a code already held, a code redeemed already), appends its
  event and commits; only then does it answer, and change the replica. A 200 is never lost,
  and of two redemptions of one code, on any processes, one finds the other's event.

A write that fails raises StoreUnavailable (a 503) and leaves nothing written; the store says
it is unhealthy until a write succeeds again. Codes are kept as 64-bit digests only, packed
eight bytes each. Since writes hold the lock from before their event is numbered until after
it is committed, events commit in the order of their numbers, and a reader that has seen event
n has seen all before it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..domain.errors import StoreUnavailable
from ..domain.ports import PartnerSeed, Seed
from ..domain.records import (
    ApiKey,
    Batch,
    BatchTally,
    Campaign,
    CampaignKey,
    CampaignStatus,
    CodeRecord,
    Environment,
    NewBatch,
    Partner,
)
from .memory import MemoryStore

logger = logging.getLogger("mockserver")

SCHEMA_VERSION = 2
# Schema 1 (gamifyhost-mock 0.1.0's first stores) kept a table per kind of record; the event log
# began with schema 2. This version does not carry such a store over: it says so and stops.
FIRST_READABLE = 2
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class StoreError(Exception):
    """A store the mock cannot start from: another version's, another program's, other fixtures'."""


@dataclass(frozen=True)
class Dialect:
    """How an engine's SQL differs."""

    placeholder: str  # ? or %s
    blob: str  # BLOB or BYTEA


def schema(dialect: Dialect) -> list[str]:
    """Version 2 of the schema, the event log. A later version adds to MIGRATIONS; none rewrites this one."""
    return [
        "CREATE TABLE mock_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE events (seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, "
        f"digests {dialect.blob})",
    ]


# Schema changes after version 2, in order: version n+1 is MIGRATIONS[n - 2], statements in order.
MIGRATIONS: list[Callable[[Dialect], list[str]]] = []


# -- how records travel in events -----------------------------------------------------------------


def micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // MICROSECOND


def moment(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + value * MICROSECOND


def packed(digests: Sequence[int]) -> bytes:
    """Digests as 8-byte big-endian words, side by side."""
    words = digests if isinstance(digests, array) and digests.typecode == "Q" else array("Q", digests)
    if sys.byteorder == "little":
        words = array("Q", words)
        words.byteswap()
    return words.tobytes()


def unpacked(blob: bytes | memoryview | None) -> array[int]:
    words = array("Q")
    if blob:
        words.frombytes(bytes(blob))
        if sys.byteorder == "little":
            words.byteswap()
    return words


def partner_body(seed: PartnerSeed) -> dict[str, Any]:
    return {
        "id": seed.partner.id,
        "name": seed.partner.name,
        "keys": [
            {
                "sha256": key.secret_sha256.hex(),
                "environment": key.environment.value,
                "active": key.application_active,
                "revoked": key.revoked,
            }
            for key in seed.keys
        ],
        "campaigns": [
            {
                "id": campaign.id,
                "environment": campaign.environment.value,
                "slug": campaign.slug,
                "name": campaign.name,
                "status": campaign.status.value,
                "endsAt": micros(campaign.ends_at),
            }
            for campaign in seed.campaigns
        ],
    }


def partner_of(body: dict[str, Any]) -> PartnerSeed:
    partner = Partner(body["id"], body["name"])
    keys = tuple(
        ApiKey(
            bytes.fromhex(key["sha256"]),
            partner,
            Environment(key["environment"]),
            key["active"],
            key["revoked"],
        )
        for key in body["keys"]
    )
    campaigns = tuple(
        Campaign(
            id=campaign["id"],
            partner=partner,
            environment=Environment(campaign["environment"]),
            slug=campaign["slug"],
            name=campaign["name"],
            status=CampaignStatus(campaign["status"]),
            ends_at=moment(campaign["endsAt"]),
        )
        for campaign in body["campaigns"]
    )
    return PartnerSeed(partner, keys, campaigns)


def batch_body(new: NewBatch) -> dict[str, Any]:
    return {
        "id": new.id,
        "campaignId": new.campaign.id,
        "batchSize": new.batch_size,
        "pointsValue": new.points_value,
        "label": new.label,
        "expiresAt": micros(new.expires_at),
        "createdAt": micros(new.created_at),
        "redeemed": sorted(new.redeemed),
        "revoked": sorted(new.revoked),
    }


# -- the store ------------------------------------------------------------------------------------

Event = tuple[int, str, dict[str, Any], Any]  # number, kind, body, packed digests
APPEND_INTO = "INSERT INTO events (seq, kind, body, digests)"
READ = "SELECT seq, kind, body, digests FROM events WHERE seq > ? ORDER BY seq"
ATTEMPTS = 1000  # appends lost to other processes' in a row before a write gives up (a 503)
GROUP = 64  # writes waiting at once that one transaction keeps together, at most
ROWS_PER_INSERT = 100  # events per INSERT statement: 400 parameters, well under SQLite's limit


class Conflict(Exception):
    """Another process appended the event number a write meant to take: catch up, try again."""


class _Write:
    """The events a group of writes appends, numbered from the last one the replica holds, and
    what the group's earlier writes took, which its later ones must see as taken."""

    def __init__(self, seen: int) -> None:
        self.seen = seen
        self.events: list[Event] = []
        self.clear_log = False  # a reset: the events before it go
        self.batch_ids: set[str] = set()
        self._digests: set[int] = set()  # of the group's new batches, as far as folded in
        self._unfolded: list[Sequence[int]] = []  # taken, not yet in _digests: a lone write never is
        self.redeemed: set[int] = set()

    def append(self, kind: str, body: dict[str, Any], digests: bytes | None = None) -> None:
        self.events.append((self.seen + len(self.events) + 1, kind, body, digests))

    def take_digests(self, digests: Sequence[int]) -> None:
        self._unfolded.append(digests)

    def holds_any(self, digests: Sequence[int]) -> bool:
        """Whether a batch of the group took one of these digests already."""
        for taken in self._unfolded:
            self._digests.update(taken)
        self._unfolded.clear()
        return bool(self._digests) and not self._digests.isdisjoint(digests)

    def statements(self) -> list[tuple[str, list[Any]]]:
        """A DELETE for a reset, then the events: one INSERT of many rows, one round trip."""
        statements: list[tuple[str, list[Any]]] = []
        if self.clear_log:
            statements.append(("DELETE FROM events WHERE seq <= ?", [self.seen]))
        for start in range(0, len(self.events), ROWS_PER_INSERT):
            chunk = self.events[start : start + ROWS_PER_INSERT]
            values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
            parameters = [
                value
                for seq, kind, body, digests in chunk
                for value in (seq, kind, orjson.dumps(body).decode(), digests)
            ]
            statements.append((f"{APPEND_INTO} VALUES {values}", parameters))
        return statements


@dataclass(eq=False)
class _Pending:
    """A write waiting for its turn: `decide`, and then its answer or its error."""

    decide: Callable[[_Write], Any]
    alone: bool  # kept in a transaction of its own (it decides on more than codes)
    done: bool = False
    answer: Any = None
    error: BaseException | None = None
    lead: bool = False  # its thread is to keep the waiting writes
    woken: threading.Event | None = None  # what its thread waits on, if it waits


def _own_copy(failure: BaseException) -> BaseException:
    """The error for one waiting write: each thread raises an exception of its own."""
    if isinstance(failure, StoreUnavailable):
        copy = StoreUnavailable(failure.message)
        copy.__cause__ = failure.__cause__
        return copy
    if isinstance(failure, Exception):
        return failure
    return StoreUnavailable("Service unavailable: the write was interrupted")


class SqlStore:
    """The store over a SQL engine; a subclass connects and runs statements its engine's way."""

    name: str
    blocking = True
    shared = True  # several processes may share a file or a database
    dialect: Dialect

    def __init__(self) -> None:
        self._replica = MemoryStore()
        self._seen = 0  # the last event the replica holds
        self._applying = threading.Lock()  # one thread at a time brings the replica up to date
        self._waiting: collections.deque[_Pending] = collections.deque()  # writes to keep, in order
        self._line = threading.Lock()  # guards _waiting and _leading
        self._leading = False  # a thread is keeping the waiting writes
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

    # -- statements ------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.replace("?", self.dialect.placeholder) if self.dialect.placeholder != "?" else text

    def _run(self, cursor: Any, text: str, parameters: Sequence[Any] = ()) -> Any:
        cursor.execute(self._sql(text), parameters)
        return cursor

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
        unavailable = StoreUnavailable(
            f"Service unavailable: the mock's store could not {'keep' if write else 'read'} it"
        )
        unavailable.__cause__ = error
        return unavailable

    def _meta(self, cursor: Any, name: str) -> str | None:
        row = self._run(cursor, "SELECT value FROM mock_meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def _set_meta(self, cursor: Any, name: str, value: str) -> None:
        if not self._run(cursor, "UPDATE mock_meta SET value = ? WHERE name = ?", (value, name)).rowcount:
            self._run(cursor, "INSERT INTO mock_meta (name, value) VALUES (?, ?)", (name, value))

    # -- the log and the replica -----------------------------------------------------------

    def catch_up(self) -> None:
        self._caught_up()

    async def caught_up(self) -> None:
        """Catch up, for an event loop. A local store's query takes microseconds: it runs here.
        Over a network, one query runs at a time, in a thread, and serves every request that
        arrived before it was sent; a request that arrived later waits for the next one."""
        if not self.blocking:
            self._caught_up()
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
                future = asyncio.get_running_loop().run_in_executor(None, self._caught_up)
                pending = self._query = (future, self._tickets)
                future.add_done_callback(lambda _, sent=pending: self._sent(sent))
            await asyncio.shield(pending[0])  # StoreUnavailable if it failed
            return

    def _sent(self, query: tuple[asyncio.Future[None], int]) -> None:
        if self._query is query:
            self._query = None

    def _caught_up(self) -> None:
        """Apply to the replica the events it has not seen yet: one query, nothing new mostly."""
        try:
            rows = self._read(self._sql(READ), (self._seen,))
        except Exception as error:
            raise self._unavailable(error, write=False) from error
        if rows:
            self._take([(seq, kind, orjson.loads(body), digests) for seq, kind, body, digests in rows])

    def _take(self, events: Iterable[Event]) -> None:
        """Apply events in order, skipping those another thread of this process applied first.

        Numbers may jump (a reset deletes the events before it), never go back."""
        with self._applying:
            for seq, kind, body, digests in events:
                if seq > self._seen:
                    self._apply(seq, kind, body, digests)
                    self._seen = seq

    def _write(self, decide: Callable[[_Write], Any], alone: bool = True) -> Any:
        """A write: `decide` looks at the replica and appends events (or not); they are kept,
        then applied; what `decide` returned is returned.

        An event is appended as the one after the last the replica holds. If another process
        took that number first, the replica was behind: it catches up, and `decide` looks again.
        So every decision was made on all that was kept before it (a code is redeemed once).

        Writes of this process wait in one line, and one thread at a time keeps them, in order:
        new batches and redemptions (`alone` false) in groups of up to GROUP, one transaction
        each, so that concurrent writes share a commit's wait; any other write in a transaction
        of its own. Under load that keeps 1.5 times as many generate(100) per second on
        PostgreSQL as a transaction per write (bench/run.py)."""
        pending = _Pending(decide, alone)
        with self._line:
            self._waiting.append(pending)
            pending.lead = not self._leading
            self._leading = True
            if not pending.lead:
                pending.woken = threading.Event()
        if pending.woken is not None:
            pending.woken.wait()  # until it is kept, or its thread is to keep the writes
        if pending.lead:
            self._lead(pending)
        if pending.error is not None:
            raise pending.error
        return pending.answer

    def _lead(self, own: _Pending) -> None:
        """Keep the waiting writes until this thread's own is kept; then hand the rest over to
        the thread of the first one still waiting (each thread waits for its own write only)."""
        try:
            while not own.done:
                self._keep(self._next_group())
        finally:
            with self._line:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.woken.set()  # type: ignore[union-attr]  # it waits: it was not first
                else:
                    self._leading = False

    def _next_group(self) -> list[_Pending]:
        with self._line:
            waiting = self._waiting
            group = [waiting.popleft()]
            if not group[0].alone:
                while waiting and len(group) < GROUP and not waiting[0].alone:
                    group.append(waiting.popleft())
        return group

    def _keep(self, group: list[_Pending]) -> None:
        """Decide, keep and apply a group of writes; each gets its answer or its error."""
        try:
            for _ in range(ATTEMPTS):
                write = _Write(self._seen)
                outcomes: list[tuple[Any, BaseException | None]] = []
                for pending in group:
                    mark = len(write.events)
                    try:
                        outcomes.append((pending.decide(write), None))
                    except Exception as refused:  # that write's own error (a clash, bad fixtures)
                        del write.events[mark:]
                        outcomes.append((None, refused))
                if write.events:
                    try:
                        self._commit(
                            [(self._sql(text), parameters) for text, parameters in write.statements()]
                        )
                    except Conflict:
                        self._caught_up()
                        continue
                    except Exception as error:
                        raise self._unavailable(error, write=True) from error
                    self._failure = None
                    self._take(write.events)
                for pending, (answer, refused) in zip(group, outcomes, strict=True):
                    pending.answer, pending.error = answer, refused
                break
            else:
                raise StoreUnavailable("Service unavailable: the mock's store is too busy to keep it")
        except BaseException as failure:  # nothing of the group was kept: each of its writes says so
            for pending in group:
                pending.error = _own_copy(failure)
            if not isinstance(failure, Exception):
                raise
        finally:
            for pending in group:
                pending.done = True
                if pending.woken is not None:
                    pending.woken.set()

    def _apply(self, seq: int, kind: str, body: dict[str, Any], digests: bytes | memoryview | None) -> None:
        replica = self._replica
        if kind == "batch":
            campaign = replica.campaign_by_id(body["campaignId"])
            if campaign is None:
                raise StoreError(f"event {seq}: a batch of an unknown campaign {body['campaignId']}")
            new = NewBatch(
                campaign=campaign,
                id=body["id"],
                batch_size=body["batchSize"],
                points_value=body["pointsValue"],
                label=body["label"],
                expires_at=moment(body["expiresAt"]),
                created_at=moment(body["createdAt"]),  # type: ignore[arg-type]
                digests=unpacked(digests),
                redeemed=frozenset(body["redeemed"]),
                revoked=frozenset(body["revoked"]),
            )
            if replica.add_batch(new, sequence=seq) is None:
                raise StoreError(f"event {seq}: batch {new.id} repeats codes held already")
        elif kind == "redeem":
            record = replica.code(body["digest"])
            if record is not None:
                replica.redeem(record)
        elif kind == "revoke-code":
            replica.revoke_code(body["digest"])
        elif kind == "revoke-batch":
            replica.revoke_batch(body["id"])
        elif kind == "partner":
            replica.merge_partner(partner_of(body))
        elif kind == "campaign":
            replica.update_campaign(body["id"], CampaignStatus(body["status"]), moment(body["endsAt"]))
        elif kind == "revoke-key":
            replica.revoke_key(bytes.fromhex(body["sha256"]))
        elif kind == "clock":
            replica.set_clock_offset(body["offsetMicroseconds"] * MICROSECOND)
        elif kind == "reset":
            replica.clear()
        else:
            raise StoreError(f"event {seq}: an event this version does not know: {kind!r}")

    # -- set-up ----------------------------------------------------------------------------

    def open_schema(self) -> None:
        """Create the schema in a new store; upgrade an older one; refuse one this version cannot read."""
        try:
            with self._transaction() as cursor:
                self._set_up(cursor)
        except (StoreError, ValueError):
            raise
        except Exception as error:
            raise self._unavailable(error, write=True) from error

    def _set_up(self, cursor: Any) -> None:
        if not self._has_table(cursor, "mock_meta"):
            if self._has_table(cursor, "events"):
                raise StoreError("it holds tables of another program, not a store of gamifyhost-mock")
            for statement in schema(self.dialect):
                self._run(cursor, statement)
            self._set_meta(cursor, "schema", str(SCHEMA_VERSION))
            self._set_meta(cursor, "digest_key", os.urandom(32).hex())
        else:
            version = int(self._meta(cursor, "schema") or "0")
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
                for statement in migration(self.dialect):
                    self._run(cursor, statement)
            self._set_meta(cursor, "schema", str(SCHEMA_VERSION))
        self._digest_key = bytes.fromhex(self._meta(cursor, "digest_key") or "")

    def digest_key(self) -> bytes:
        return self._digest_key

    def install(self, seed: Seed, clock_offset: timedelta) -> None:
        """A new store starts from the seed; one made before must hold the fixtures' batches, and
        takes up partners, keys and campaigns the fixtures gained since."""
        self._caught_up()

        def decide(write: _Write) -> None:
            if write.seen == 0:  # nothing was ever kept: new
                self._append_seed(write, seed)
                if clock_offset:
                    write.append("clock", {"offsetMicroseconds": clock_offset // MICROSECOND})
                return
            missing = sorted(batch_id for batch_id in seed.batch_ids if not self._replica.has_batch(batch_id))
            if missing:
                raise StoreError(
                    f"the fixtures' batch {missing[0]} is missing from it: it was made from other fixtures"
                )
            probe = MemoryStore()
            for partner in self._replica.partners():
                probe.add_partner(partner)
            for partner in seed.partners:
                if probe.merge_partner(partner):
                    write.append("partner", partner_body(partner))

        self._write(decide)

    def reset(self, seed: Seed) -> None:
        def decide(write: _Write) -> None:
            write.clear_log = True
            write.append("reset", {})
            self._append_seed(write, seed)

        self._write(decide)

    @staticmethod
    def _append_seed(write: _Write, seed: Seed) -> None:
        probe = MemoryStore()  # the seed's own consistency, before any of it is kept
        for partner in seed.partners:
            probe.add_partner(partner)
            write.append("partner", partner_body(partner))
        for batch in seed.batches:
            if probe.add_batch(batch) is None:
                raise ValueError(f"batch {batch.id}: its codes repeat codes already stored")
            write.append("batch", batch_body(batch), packed(batch.digests))

    # -- the clock -------------------------------------------------------------------------

    def clock_offset(self) -> timedelta:
        return self._replica.clock_offset()

    def set_clock_offset(self, offset: timedelta) -> None:
        self._write(lambda write: write.append("clock", {"offsetMicroseconds": offset // MICROSECOND}))

    def shift_clock(self, by: timedelta) -> timedelta:
        def decide(write: _Write) -> timedelta:
            offset = self._replica.clock_offset() + by
            write.append("clock", {"offsetMicroseconds": offset // MICROSECOND})
            return offset

        return self._write(decide)  # type: ignore[no-any-return]

    # -- lookups: the replica's (Codes.refresh brought it up to date) ----------------------

    def key(self, secret_sha256: bytes) -> ApiKey | None:
        return self._replica.key(secret_sha256)

    def campaign(self, key: CampaignKey) -> Campaign | None:
        return self._replica.campaign(key)

    def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return self._replica.campaign_by_id(campaign_id)

    def partners(self) -> list[PartnerSeed]:
        self._caught_up()
        return self._replica.partners()

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        return self._replica.batch_page(campaign, offset, limit)

    def tallies(self, campaign: Campaign, now: datetime) -> Iterable[BatchTally]:
        return self._replica.tallies(campaign, now)

    def code(self, digest: int) -> CodeRecord | None:
        return self._replica.code(digest)

    def existing(self, digests: Sequence[int]) -> set[int]:
        self._caught_up()
        return self._replica.existing(digests)

    def code_count(self) -> int:
        self._caught_up()
        return self._replica.code_count()

    # -- writes: decided on the replica, kept, then applied --------------------------------

    def add_batch(self, new: NewBatch) -> Batch | None:
        def decide(write: _Write) -> bool:
            if new.id in write.batch_ids or self._replica.has_batch(new.id):
                return False
            if write.holds_any(new.digests) or self._replica.holds_any(new.digests):
                return False
            write.append("batch", batch_body(new), packed(new.digests))
            write.batch_ids.add(new.id)
            write.take_digests(new.digests)
            return True

        if len(set(new.digests)) != len(new.digests) or not self._write(decide, alone=False):
            return None
        return self._replica.batch(new.id)

    def redeem(self, record: CodeRecord) -> bool:
        def decide(write: _Write) -> bool:
            current = self._replica.code(record.digest)
            if current is None or current.redeemed or current.revoked or current.batch.revoked:
                return False
            if record.digest in write.redeemed:
                return False
            write.append("redeem", {"digest": record.digest})
            write.redeemed.add(record.digest)
            return True

        return self._write(decide, alone=False)  # type: ignore[no-any-return]

    def revoke_code(self, digest: int) -> bool:
        def decide(write: _Write) -> bool:
            if self._replica.code(digest) is None:
                return False
            write.append("revoke-code", {"digest": digest})
            return True

        return self._write(decide)  # type: ignore[no-any-return]

    def revoke_batch(self, batch_id: str) -> bool:
        def decide(write: _Write) -> bool:
            if not self._replica.has_batch(batch_id):
                return False
            write.append("revoke-batch", {"id": batch_id})
            return True

        return self._write(decide)  # type: ignore[no-any-return]

    def add_partner(self, partner: PartnerSeed) -> None:
        def decide(write: _Write) -> None:
            self._replica.check_new_partner(partner)
            write.append("partner", partner_body(partner))

        self._write(decide)

    def update_campaign(
        self, campaign_id: str, status: CampaignStatus, ends_at: datetime | None
    ) -> Campaign | None:
        def decide(write: _Write) -> bool:
            if self._replica.campaign_by_id(campaign_id) is None:
                return False
            write.append("campaign", {"id": campaign_id, "status": status.value, "endsAt": micros(ends_at)})
            return True

        return self._replica.campaign_by_id(campaign_id) if self._write(decide) else None

    def revoke_key(self, secret_sha256: bytes) -> bool:
        def decide(write: _Write) -> bool:
            if self._replica.key(secret_sha256) is None:
                return False
            write.append("revoke-key", {"sha256": secret_sha256.hex()})
            return True

        return self._write(decide)  # type: ignore[no-any-return]

    def healthy(self) -> str | None:
        return self._failure

    def failed_writes(self) -> tuple[int, str | None]:
        return self._failed_writes, self._last_failure
