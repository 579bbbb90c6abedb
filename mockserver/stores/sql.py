"""What SQLite and PostgreSQL stores share: the schema, its versions, and the statements.

Each engine module (sqlite.py, postgresql.py) says how to connect, how a transaction begins and
how its SQL differs; this module keeps and fetches. Every write is one transaction, committed
before the method returns: an answer of 200 is never lost. A write that fails raises
StoreUnavailable and leaves nothing half-written, and the store says it is unhealthy until a
write succeeds again.

Codes are kept as their 64-bit digests only, stored signed. Instants are whole seconds since
the epoch. Keys, campaigns and partners change rarely: each instance keeps them in memory and
drops them when the `config` counter, which every such change moves, says another changed them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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

logger = logging.getLogger("mockserver")

SCHEMA_VERSION = 1
_SIGN = 1 << 63
_CHUNK = 500  # digests per IN (...) list


class StoreError(Exception):
    """A store the mock cannot start from: another version's, another program's, other fixtures'."""


@dataclass(frozen=True)
class Dialect:
    """How an engine's SQL differs."""

    placeholder: str  # ? or %s
    blob: str  # BLOB or BYTEA
    serial: str  # the batches' own autoincrementing key
    digest_key: str  # the codes' key: a rowid alias in SQLite


def signed(digest: int) -> int:
    return digest - (1 << 64) if digest >= _SIGN else digest


def unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _microseconds(offset: timedelta) -> int:
    return (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds


def instant(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def schema(dialect: Dialect) -> list[str]:
    """Version 1 of the schema. A later version adds to MIGRATIONS; none rewrites this one."""
    return [
        "CREATE TABLE mock_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE partners (id TEXT PRIMARY KEY, name TEXT NOT NULL, position BIGINT NOT NULL)",
        f"""CREATE TABLE api_keys (secret_sha256 {dialect.blob} PRIMARY KEY, partner_id TEXT NOT NULL,
            environment TEXT NOT NULL, application_active BOOLEAN NOT NULL, revoked BOOLEAN NOT NULL,
            position BIGINT NOT NULL)""",
        """CREATE TABLE campaigns (id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, environment TEXT NOT NULL,
            slug TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, ends_at BIGINT,
            position BIGINT NOT NULL, UNIQUE (partner_id, environment, slug))""",
        f"""CREATE TABLE batches (seq {dialect.serial}, id TEXT NOT NULL UNIQUE, campaign_id TEXT NOT NULL,
            batch_size INTEGER NOT NULL, points_value BIGINT NOT NULL, label TEXT, expires_at BIGINT,
            created_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE,
            redeemed_count INTEGER NOT NULL DEFAULT 0, revoked_count INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX batches_listing ON batches (campaign_id, created_at, seq)",
        f"""CREATE TABLE codes (digest {dialect.digest_key}, batch_seq BIGINT NOT NULL,
            redeemed BOOLEAN NOT NULL DEFAULT FALSE, revoked BOOLEAN NOT NULL DEFAULT FALSE)""",
    ]


# Schema changes after version 1, in order: version n+1 is MIGRATIONS[n - 1], statements in order.
MIGRATIONS: list[Callable[[Dialect], list[str]]] = []

CAMPAIGN_COLUMNS = "c.id, c.environment, c.slug, c.name, c.status, c.ends_at, p.id, p.name"
BATCH_COLUMNS = (
    "b.seq, b.id, b.campaign_id, b.batch_size, b.points_value, b.label, b.expires_at, b.created_at, "
    "b.revoked, b.redeemed_count, b.revoked_count"
)


class SqlStore:
    """The store over a SQL engine; a subclass connects, and begins transactions its engine's way."""

    name: str
    blocking = True
    shared = True  # several processes may share a file or a database
    dialect: Dialect

    def __init__(self) -> None:
        self._failure: str | None = None  # why the last write failed, while no write has succeeded since
        self._failed_writes = 0
        self._last_failure: str | None = None
        self._config = -1  # the `config` counter the caches below were read at
        self._keys: dict[bytes, ApiKey | None] = {}
        self._campaigns: dict[CampaignKey, Campaign | None] = {}
        self._by_id: dict[str, Campaign | None] = {}
        self._lock = threading.Lock()

    # -- what an engine provides -----------------------------------------------------------

    def _transaction(self, write: bool) -> contextlib.AbstractContextManager[Any]:
        """A cursor in a transaction, committed when the block ends; `write`: one writer at a time."""
        raise NotImplementedError

    def _failed(self, error: Exception) -> bool:
        """Whether an engine error means the store cannot read or keep (and not a unique clash)."""
        raise NotImplementedError

    def _is_clash(self, error: Exception) -> bool:
        raise NotImplementedError

    def _install_lock(self, cursor: Any) -> None:
        """Keep other instances from installing at the same time (PostgreSQL); SQLite's write lock does."""

    # -- statements ------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.replace("?", self.dialect.placeholder) if self.dialect.placeholder != "?" else text

    @contextlib.contextmanager
    def _kept(self, write: bool = True) -> Iterator[Any]:
        """A transaction whose failure is a StoreUnavailable (a 503) and leaves nothing written."""
        try:
            with self._transaction(write) as cursor:
                yield cursor
        except StoreUnavailable:
            raise
        except Exception as error:
            if self._is_clash(error) or not self._failed(error):
                raise
            reason = (
                f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            )
            if write:
                with self._lock:
                    self._failure = self._last_failure = reason
                    self._failed_writes += 1
            logger.error("the store %s could not %s: %s", self.name, "write" if write else "read", reason)
            raise StoreUnavailable(
                f"Service unavailable: the mock's store could not {'keep' if write else 'read'} it"
            ) from error
        if write:
            self._failure = None

    def _run(self, cursor: Any, text: str, parameters: Sequence[Any] = ()) -> Any:
        cursor.execute(self._sql(text), parameters)
        return cursor

    def _meta(self, cursor: Any, name: str) -> str | None:
        row = self._run(cursor, "SELECT value FROM mock_meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def _set_meta(self, cursor: Any, name: str, value: str) -> None:
        if not self._run(cursor, "UPDATE mock_meta SET value = ? WHERE name = ?", (value, name)).rowcount:
            self._run(cursor, "INSERT INTO mock_meta (name, value) VALUES (?, ?)", (name, value))

    def _add_to_meta(self, cursor: Any, name: str, amount: int) -> int:
        """Add to a counter in one statement: two instances adding at once both count."""
        self._run(
            cursor,
            "UPDATE mock_meta SET value = CAST(CAST(value AS BIGINT) + ? AS TEXT) WHERE name = ?",
            (amount, name),
        )
        return int(self._meta(cursor, name) or "0")

    def _touch_config(self, cursor: Any) -> None:
        """Tell every instance that keys, campaigns or partners changed."""
        self._add_to_meta(cursor, "config", 1)

    # -- set-up ----------------------------------------------------------------------------

    def open_schema(self) -> None:
        """Create the schema in a new store; upgrade an older one; refuse one this version cannot read."""
        with self._kept() as cursor:
            self._install_lock(cursor)
            if not self._has_table(cursor, "mock_meta"):
                if self._has_table(cursor, "batches") or self._has_table(cursor, "codes"):
                    raise StoreError("it holds tables of another program, not a store of gamifyhost-mock")
                for statement in schema(self.dialect):
                    self._run(cursor, statement)
                self._set_meta(cursor, "schema", str(SCHEMA_VERSION))
                self._set_meta(cursor, "digest_key", os.urandom(32).hex())
                self._set_meta(cursor, "config", "0")
                self._set_meta(cursor, "clock_offset_us", "0")
                return
            version = int(self._meta(cursor, "schema") or "0")
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"it was made by a newer version of gamifyhost-mock (schema {version}); this version "
                    f"reads schema {SCHEMA_VERSION} and older"
                )
            if version < 1:
                raise StoreError("its schema version is unknown: it is not a store of gamifyhost-mock")
            for migration in MIGRATIONS[version - 1 :]:
                for statement in migration(self.dialect):
                    self._run(cursor, statement)
            self._set_meta(cursor, "schema", str(SCHEMA_VERSION))

    def _has_table(self, cursor: Any, name: str) -> bool:
        raise NotImplementedError

    def digest_key(self) -> bytes:
        with self._kept(write=False) as cursor:
            return bytes.fromhex(self._meta(cursor, "digest_key") or "")

    def install(self, seed: Seed, clock_offset: timedelta) -> None:
        with self._kept() as cursor:
            self._install_lock(cursor)
            if self._meta(cursor, "installed") is None:
                self._insert_seed(cursor, seed)
                self._set_meta(cursor, "installed", "1")
                self._set_meta(cursor, "clock_offset_us", str(_microseconds(clock_offset)))
                return
            # Made before from fixtures: those may have gained partners and campaigns since.
            for position, partner in enumerate(seed.partners):
                self._insert_partner(cursor, partner, position, missing_only=True)
            present = self._present_batches(cursor, seed.batch_ids)
            missing = sorted(seed.batch_ids - present)
            if missing:
                raise StoreError(
                    f"the fixtures' batch {missing[0]} is missing from it: it was made from other fixtures"
                )
            self._touch_config(cursor)

    def _present_batches(self, cursor: Any, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        wanted = list(ids)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            found.update(
                row[0] for row in self._run(cursor, f"SELECT id FROM batches WHERE id IN ({marks})", chunk)
            )
        return found

    def reset(self, seed: Seed) -> None:
        with self._kept() as cursor:
            for table in ("codes", "batches", "campaigns", "api_keys", "partners"):
                self._run(cursor, f"DELETE FROM {table}")
            self._insert_seed(cursor, seed)
            self._set_meta(cursor, "clock_offset_us", "0")
            self._touch_config(cursor)

    def _insert_seed(self, cursor: Any, seed: Seed) -> None:
        for position, partner in enumerate(seed.partners):
            self._insert_partner(cursor, partner, position)
        self._drop_caches()
        for batch in seed.batches:
            if not self._insert_batch(cursor, batch):
                raise ValueError(f"batch {batch.id}: its codes repeat codes already stored")

    def _insert_partner(
        self, cursor: Any, seed: PartnerSeed, position: int, missing_only: bool = False
    ) -> None:
        conflict = " ON CONFLICT DO NOTHING" if missing_only else ""
        partner = seed.partner
        self._run(
            cursor,
            f"INSERT INTO partners (id, name, position) VALUES (?, ?, ?){conflict}",
            (partner.id, partner.name, position),
        )
        for index, key in enumerate(seed.keys):
            self._run(
                cursor,
                "INSERT INTO api_keys "
                "(secret_sha256, partner_id, environment, application_active, revoked, position) "
                f"VALUES (?, ?, ?, ?, ?, ?){conflict}",
                (
                    key.secret_sha256,
                    partner.id,
                    key.environment.value,
                    key.application_active,
                    key.revoked,
                    index,
                ),
            )
        for index, campaign in enumerate(seed.campaigns):
            self._run(
                cursor,
                "INSERT INTO campaigns (id, partner_id, environment, slug, name, status, ends_at, position) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?){conflict}",
                (
                    campaign.id, partner.id, campaign.environment.value, campaign.slug, campaign.name,
                    campaign.status.value, seconds(campaign.ends_at), index,
                ),
            )  # fmt: skip

    # -- the shared clock and the caches ---------------------------------------------------

    def clock_offset(self) -> timedelta:
        """The shared clock's offset; on the way, drop the caches if another instance changed config."""
        with self._kept(write=False) as cursor:
            rows = dict(
                self._run(
                    cursor, "SELECT name, value FROM mock_meta WHERE name IN ('config', 'clock_offset_us')"
                )
            )
        config = int(rows.get("config", "0"))
        if config != self._config:
            self._drop_caches(config)
        return timedelta(microseconds=int(rows.get("clock_offset_us", "0")))

    def _drop_caches(self, config: int | None = None) -> None:
        """Forget keys and campaigns. A lookup that began before fills the dropped dicts, not the new."""
        with self._lock:
            self._keys, self._campaigns, self._by_id = {}, {}, {}
            if config is not None:
                self._config = config

    def set_clock_offset(self, offset: timedelta) -> None:
        with self._kept() as cursor:
            self._set_meta(cursor, "clock_offset_us", str(_microseconds(offset)))

    def shift_clock(self, by: timedelta) -> timedelta:
        with self._kept() as cursor:
            return timedelta(microseconds=self._add_to_meta(cursor, "clock_offset_us", _microseconds(by)))

    # -- lookups ---------------------------------------------------------------------------

    def key(self, secret_sha256: bytes) -> ApiKey | None:
        cache = self._keys
        if secret_sha256 not in cache:
            with self._kept(write=False) as cursor:
                row = self._run(
                    cursor,
                    "SELECT k.environment, k.application_active, k.revoked, p.id, p.name FROM api_keys k "
                    "JOIN partners p ON p.id = k.partner_id WHERE k.secret_sha256 = ?",
                    (secret_sha256,),
                ).fetchone()
            found = None
            if row is not None:
                environment, active, revoked, partner_id, partner_name = row
                found = ApiKey(
                    secret_sha256,
                    Partner(partner_id, partner_name),
                    Environment(environment),
                    bool(active),
                    bool(revoked),
                )
            cache[secret_sha256] = found
        return cache[secret_sha256]

    def campaign(self, key: CampaignKey) -> Campaign | None:
        cache = self._campaigns
        if key not in cache:
            with self._kept(write=False) as cursor:
                row = self._run(
                    cursor,
                    "SELECT id FROM campaigns WHERE partner_id = ? AND environment = ? AND slug = ?",
                    (key.partner_id, key.environment.value, key.slug),
                ).fetchone()
            cache[key] = None if row is None else self.campaign_by_id(row[0])
        return cache[key]

    def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        cache = self._by_id
        if campaign_id not in cache:
            with self._kept(write=False) as cursor:
                row = self._run(
                    cursor,
                    f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns c "
                    "JOIN partners p ON p.id = c.partner_id WHERE c.id = ?",
                    (campaign_id,),
                ).fetchone()
            cache[campaign_id] = None if row is None else _campaign(row)
        return cache[campaign_id]

    def partners(self) -> list[PartnerSeed]:
        with self._kept(write=False) as cursor:
            partners = list(self._run(cursor, "SELECT id, name FROM partners ORDER BY position, id"))
            keys = list(self._run(
                cursor,
                "SELECT secret_sha256, partner_id, environment, application_active, revoked FROM api_keys "
                "ORDER BY position, secret_sha256",
            ))  # fmt: skip
            campaigns = list(self._run(
                cursor,
                f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns c "
                "JOIN partners p ON p.id = c.partner_id ORDER BY c.position, c.id",
            ))  # fmt: skip
        found = []
        for partner_id, name in partners:
            partner = Partner(partner_id, name)
            owned = tuple(
                ApiKey(bytes(digest), partner, Environment(env), bool(active), bool(revoked))
                for digest, owner, env, active, revoked in keys
                if owner == partner_id
            )
            found.append(
                PartnerSeed(
                    partner, owned, tuple(_campaign(row) for row in campaigns if row[6] == partner_id)
                )
            )
        return found

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        with self._kept(write=False) as cursor:
            total = self._run(
                cursor, "SELECT count(*) FROM batches WHERE campaign_id = ?", (campaign.id,)
            ).fetchone()[0]
            if offset >= total:
                return [], total
            rows = self._run(
                cursor,
                f"SELECT {BATCH_COLUMNS} FROM batches b WHERE b.campaign_id = ? "
                "ORDER BY b.created_at DESC, b.seq DESC LIMIT ? OFFSET ?",
                (campaign.id, limit, offset),
            ).fetchall()
        return [self._batch(row, campaign) for row in rows], total

    def tallies(self, campaign: Campaign, now: datetime) -> Iterable[BatchTally]:
        with self._kept(write=False) as cursor:
            rows = self._run(
                cursor,
                "SELECT revoked, CASE WHEN expires_at IS NOT NULL AND expires_at <= ? THEN 1 ELSE 0 END, "
                "count(*), sum(batch_size), sum(redeemed_count), sum(revoked_count) "
                "FROM batches WHERE campaign_id = ? GROUP BY 1, 2",
                (seconds(now), campaign.id),
            ).fetchall()
        return [BatchTally(bool(revoked), bool(expired), *map(int, sums)) for revoked, expired, *sums in rows]

    def code(self, digest: int) -> CodeRecord | None:
        with self._kept(write=False) as cursor:
            row = self._run(
                cursor,
                f"SELECT c.redeemed, c.revoked, {BATCH_COLUMNS} "
                "FROM codes c JOIN batches b ON b.seq = c.batch_seq WHERE c.digest = ?",
                (signed(digest),),
            ).fetchone()
        if row is None:
            return None
        campaign = self.campaign_by_id(row[4])
        if campaign is None:
            return None
        return CodeRecord(digest, self._batch(row[2:], campaign), bool(row[0]), bool(row[1]))

    def existing(self, digests: Sequence[int]) -> set[int]:
        found: set[int] = set()
        with self._kept(write=False) as cursor:
            for start in range(0, len(digests), _CHUNK):
                chunk = [signed(digest) for digest in digests[start : start + _CHUNK]]
                marks = ", ".join("?" * len(chunk))
                found.update(
                    unsigned(row[0])
                    for row in self._run(cursor, f"SELECT digest FROM codes WHERE digest IN ({marks})", chunk)
                )
        return found

    def code_count(self) -> int:
        with self._kept(write=False) as cursor:
            return int(self._run(cursor, "SELECT count(*) FROM codes").fetchone()[0])

    # -- writes ----------------------------------------------------------------------------

    def add_batch(self, new: NewBatch) -> Batch | None:
        try:
            with self._kept() as cursor:
                seq = self._insert_batch(cursor, new)
                if seq is None:
                    raise _Clash
        except _Clash:
            return None
        except Exception as error:
            if self._is_clash(error):
                return None
            raise
        return Batch(
            new.id,
            new.campaign,
            new.batch_size,
            new.points_value,
            new.label,
            new.expires_at,
            new.created_at,
            seq,
        )

    def _insert_batch(self, cursor: Any, new: NewBatch) -> int | None:
        """Insert a batch and its codes; its seq, or None if a digest is held already (roll back then)."""
        seq = self._run(
            cursor,
            "INSERT INTO batches (id, campaign_id, batch_size, points_value, label, expires_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            (
                new.id,
                new.campaign.id,
                new.batch_size,
                new.points_value,
                new.label,
                seconds(new.expires_at),
                seconds(new.created_at),
            ),
        ).fetchone()[0]
        self._insert_codes(cursor, seq, [signed(digest) for digest in new.digests])
        for digest in new.redeemed:
            self._run(cursor, "UPDATE codes SET redeemed = TRUE WHERE digest = ?", (signed(digest),))
        for digest in new.revoked:
            self._run(cursor, "UPDATE codes SET revoked = TRUE WHERE digest = ?", (signed(digest),))
        if new.redeemed or new.revoked:
            redeemed = len(new.redeemed - new.revoked)
            self._run(
                cursor,
                "UPDATE batches SET redeemed_count = ?, revoked_count = ? WHERE seq = ?",
                (redeemed, len(new.revoked), seq),
            )
        return seq

    def _insert_codes(self, cursor: Any, seq: int, digests: list[int]) -> None:
        self._executemany(
            cursor,
            "INSERT INTO codes (digest, batch_seq) VALUES (?, ?)",
            [(digest, seq) for digest in digests],
        )

    def _executemany(self, cursor: Any, text: str, rows: list[tuple[Any, ...]]) -> None:
        cursor.executemany(self._sql(text), rows)

    def redeem(self, record: CodeRecord) -> bool:
        with self._kept() as cursor:
            changed = self._run(
                cursor,
                "UPDATE codes SET redeemed = TRUE WHERE digest = ? AND NOT redeemed AND NOT revoked "
                "AND NOT EXISTS "
                "(SELECT 1 FROM batches WHERE batches.seq = codes.batch_seq AND batches.revoked)",
                (signed(record.digest),),
            ).rowcount
            if changed == 1:
                self._run(
                    cursor,
                    "UPDATE batches SET redeemed_count = redeemed_count + 1 WHERE seq = ?",
                    (record.batch.sequence,),
                )
        return changed == 1

    def revoke_code(self, digest: int) -> bool:
        with self._kept() as cursor:
            row = self._run(
                cursor,
                "SELECT c.batch_seq, c.redeemed, c.revoked, b.revoked "
                "FROM codes c JOIN batches b ON b.seq = c.batch_seq WHERE c.digest = ?",
                (signed(digest),),
            ).fetchone()
            if row is None:
                return False
            seq, redeemed, revoked, batch_revoked = row
            if not revoked and not batch_revoked:
                self._run(cursor, "UPDATE codes SET revoked = TRUE WHERE digest = ?", (signed(digest),))
                self._run(
                    cursor,
                    "UPDATE batches SET revoked_count = revoked_count + 1, "
                    "redeemed_count = redeemed_count - ? WHERE seq = ?",
                    (1 if redeemed else 0, seq),
                )
        return True

    def revoke_batch(self, batch_id: str) -> bool:
        with self._kept() as cursor:
            return (
                self._run(cursor, "UPDATE batches SET revoked = TRUE WHERE id = ?", (batch_id,)).rowcount == 1
            )

    def add_partner(self, partner: PartnerSeed) -> None:
        try:
            with self._kept() as cursor:
                position = self._run(cursor, "SELECT count(*) FROM partners").fetchone()[0]
                self._insert_partner(cursor, partner, position)
                self._touch_config(cursor)
        except StoreUnavailable:
            raise
        except Exception as error:
            if self._is_clash(error):
                raise ValueError("a secret, the partner's id or a slug is taken already") from None
            raise
        self._drop_caches()

    def update_campaign(
        self, campaign_id: str, status: CampaignStatus, ends_at: datetime | None
    ) -> Campaign | None:
        with self._kept() as cursor:
            changed = self._run(
                cursor,
                "UPDATE campaigns SET status = ?, ends_at = ? WHERE id = ?",
                (status.value, seconds(ends_at), campaign_id),
            ).rowcount
            if changed:
                self._touch_config(cursor)
        self._drop_caches()
        return self.campaign_by_id(campaign_id) if changed else None

    def revoke_key(self, secret_sha256: bytes) -> bool:
        with self._kept() as cursor:
            changed = self._run(
                cursor, "UPDATE api_keys SET revoked = TRUE WHERE secret_sha256 = ?", (secret_sha256,)
            ).rowcount
            if changed:
                self._touch_config(cursor)
        self._drop_caches()
        return changed == 1

    def healthy(self) -> str | None:
        return self._failure

    def failed_writes(self) -> tuple[int, str | None]:
        return self._failed_writes, self._last_failure

    # -- rows ------------------------------------------------------------------------------

    @staticmethod
    def _batch(row: Sequence[Any], campaign: Campaign) -> Batch:
        (
            seq,
            batch_id,
            _campaign_id,
            size,
            points,
            label,
            expires_at,
            created_at,
            revoked,
            redeemed,
            revoked_count,
        ) = row
        return Batch(
            id=batch_id,
            campaign=campaign,
            batch_size=size,
            points_value=points,
            label=label,
            expires_at=instant(expires_at),
            created_at=instant(created_at),  # type: ignore[arg-type]
            sequence=seq,
            revoked=bool(revoked),
            redeemed_count=redeemed,
            revoked_count=revoked_count,
        )


class _Clash(Exception):
    """A digest of a new batch is held already: the transaction is rolled back."""


def _campaign(row: Sequence[Any]) -> Campaign:
    campaign_id, environment, slug, name, status, ends_at, partner_id, partner_name = row
    return Campaign(
        id=campaign_id,
        partner=Partner(partner_id, partner_name),
        environment=Environment(environment),
        slug=slug,
        name=name,
        status=CampaignStatus(status),
        ends_at=instant(ends_at),
    )
