"""The records of the mock: partners, keys, campaigns, batches, and the rules of their state.

Plain Python, no web import; `backend.CodesBackend` keeps them and acts on them.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from .codes import CodeSheet


class Environment(enum.Enum):
    TEST = "TEST"
    LIVE = "LIVE"

    # Members are singletons, so identity is the right hash, and cheaper than Enum's own (it
    # runs Python code, on every campaign lookup).
    __hash__ = object.__hash__

    @classmethod
    def of_secret(cls, secret: str) -> Environment | None:
        for environment, prefix in SECRET_PREFIXES.items():
            if secret.startswith(prefix):
                return environment
        return None


SECRET_PREFIXES = {Environment.TEST: "sk_test_", Environment.LIVE: "sk_live_"}


class CampaignStatus(enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class CodeStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class Clock:
    """The mock's notion of now: the system clock, or a fixed instant, shifted by an offset."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._frozen_at = frozen_at
        self._frozen_seconds = frozen_at.timestamp() if frozen_at is not None else None
        self._offset = timedelta(0)
        self._offset_seconds = 0.0
        self._lock = threading.Lock()
        # The last second `now` was asked for and its datetime, as one tuple for threads to share.
        self._last: tuple[int, datetime] | None = None

    @property
    def frozen_at(self) -> datetime | None:
        return self._frozen_at

    @property
    def offset(self) -> timedelta:
        return self._offset

    def timestamp(self) -> float:
        """Now, in seconds since the epoch."""
        frozen = self._frozen_seconds
        return (time.time() if frozen is None else frozen) + self._offset_seconds

    def now(self) -> datetime:
        """Now, to the second (the API's timestamps have no fractions)."""
        second = math.floor(self.timestamp())
        last = self._last
        if last is None or last[0] != second:  # a datetime is immutable: one serves the second
            last = self._last = (second, datetime.fromtimestamp(second, UTC))
        return last[1]

    def set(self, instant: datetime) -> None:
        """Make now `instant`; a running clock goes on from there, a frozen one stays."""
        with self._lock:
            self._shift(instant - (self._frozen_at or datetime.now(UTC)))

    def advance(self, by: timedelta) -> None:
        """Move now by `by` (backwards if negative)."""
        with self._lock:
            self._shift(self._offset + by)

    def _shift(self, offset: timedelta) -> None:
        self._offset = offset
        self._offset_seconds = offset.total_seconds()


@dataclass(frozen=True)
class Partner:
    id: str
    name: str


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: one partner in one environment (D3)."""

    partner: Partner
    environment: Environment


@dataclass(frozen=True)
class ApiKey:
    secret_sha256: bytes
    partner: Partner
    environment: Environment
    application_active: bool
    revoked: bool

    @functools.cached_property
    def principal(self) -> Principal:
        """Who the key acts for: built once, as every request with the key needs it."""
        return Principal(self.partner, self.environment)


@dataclass(eq=False)
class Campaign:
    id: str
    partner: Partner
    environment: Environment
    slug: str
    name: str
    status: CampaignStatus
    ends_at: datetime | None = None
    # Oldest first by (createdAt, creation order); listings read it from the end.
    batches: list[Batch] = field(default_factory=list)

    def has_ended(self, now: datetime) -> bool:
        return self.status is CampaignStatus.ENDED or (self.ends_at is not None and self.ends_at <= now)

    def is_active(self) -> bool:
        return self.status is CampaignStatus.ACTIVE


@dataclass(slots=True, eq=False)
class Batch:
    """A batch's metadata and the counts of its codes that left ACTIVE by an action."""

    id: str
    campaign: Campaign
    batch_size: int
    points_value: int
    label: str | None
    expires_at: datetime | None
    created_at: datetime
    sequence: int
    revoked: bool = False  # the whole batch
    redeemed_count: int = 0  # redeemed and not revoked
    revoked_count: int = 0  # revoked one by one

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.created_at, self.sequence)

    def has_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


# What the operations return, one per request: named tuples, which cost less to build than
# frozen dataclasses.


class GeneratedBatch(NamedTuple):
    batch: Batch
    codes: CodeSheet


class BatchPage(NamedTuple):
    batches: list[Batch]
    total: int
    page: int
    limit: int


class CodeStats(NamedTuple):
    total_codes: int = 0
    active_codes: int = 0
    redeemed_codes: int = 0
    expired_codes: int = 0
    revoked_codes: int = 0
    total_batches: int = 0


class Verdict(NamedTuple):
    """What verify says of a code (D7)."""

    valid: bool
    status: CodeStatus | None
    points_value: int
    campaign_name: str
    campaign_slug: str
    expired: bool
    message: str


class Redemption(NamedTuple):
    code: str
    user_id: str
    points_awarded: int
    batch: Batch
    redeemed_at: datetime


@dataclass(frozen=True)
class SavedBatch:
    """A batch as a state file keeps it: its campaign by identity, its codes by digest only."""

    campaign: tuple[str, Environment, str]  # partner id, environment, slug
    fields: dict[str, Any]  # the Batch's own fields, all but `campaign`
    digests: list[int]


@dataclass(frozen=True)
class Snapshot:
    """What changes at run time: enough for a backend on the same fixtures to carry on."""

    digest_key: bytes
    sequence: int
    batches: list[SavedBatch]
    redeemed: frozenset[int]
    revoked: frozenset[int]
    clock_offset: timedelta


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()
