"""The records of the mock: partners, keys, campaigns, batches, codes, and what operations return.

Plain Python: no web import, no storage import. `service.Codes` acts on them through a store.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

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
    """A campaign of one partner in one environment; its state can change at run time."""

    id: str
    partner: Partner
    environment: Environment
    slug: str
    name: str
    status: CampaignStatus
    ends_at: datetime | None = None

    @property
    def key(self) -> CampaignKey:
        return CampaignKey(self.partner.id, self.environment, self.slug)

    def has_ended(self, now: datetime) -> bool:
        """D7: its status says so, or its end date has passed."""
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
        """Its codes are EXPIRED from its expiresAt on (D5)."""
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
    as_of: int  # the store's version (Store.version) when the page was read, or a later one


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


class CampaignKey(NamedTuple):
    """How a campaign is found: a slug is unique within one partner and environment (D3)."""

    partner_id: str
    environment: Environment
    slug: str


class CodeRecord(NamedTuple):
    """A code as a store keeps it: by its digest, with its batch and what was done to it."""

    digest: int
    batch: Batch
    redeemed: bool
    revoked: bool

    def status(self, now: datetime) -> CodeStatus:
        """D5: REVOKED (itself or its batch), else REDEEMED, else EXPIRED by its batch's
        expiresAt, else ACTIVE."""
        batch = self.batch
        if batch.revoked or self.revoked:
            return CodeStatus.REVOKED
        if self.redeemed:
            return CodeStatus.REDEEMED
        if batch.has_expired(now):
            return CodeStatus.EXPIRED
        return CodeStatus.ACTIVE

    @property
    def redeemable(self) -> bool:
        """Whether nothing that lasts keeps it from being redeemed: not redeemed, not revoked, nor
        its batch (expiry and the campaign's state are judged at the moment, by the service)."""
        return not (self.redeemed or self.revoked or self.batch.revoked)


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()
