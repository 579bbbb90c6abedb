"""The state of the mock: partners, keys, campaigns, batches and code digests. No web import.

`CodesBackend` holds it all behind one lock; its public methods are named after the API's
operations and raise `ApiError`s for the documented failures.
"""

from __future__ import annotations

import bisect
import enum
import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .codes import CodeDigester, CodeDrawer, CodeFormat, Randomness
from .errors import CAMPAIGN_NOT_FOUND, Forbidden, NotFound, Unauthorized


class Environment(enum.Enum):
    TEST = "TEST"
    LIVE = "LIVE"

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


class Clock:
    """The mock's notion of now: the system clock, or a fixed instant, shifted by an offset."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._frozen_at = frozen_at
        self._offset = timedelta(0)

    def now(self) -> datetime:
        base = self._frozen_at or datetime.now(UTC)
        return (base + self._offset).replace(microsecond=0)


@dataclass(frozen=True)
class Partner:
    id: str
    name: str


@dataclass(frozen=True)
class ApiKey:
    secret_sha256: bytes
    partner: Partner
    environment: Environment
    application_active: bool
    revoked: bool


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: one partner in one environment (D3)."""

    partner: Partner
    environment: Environment


@dataclass(slots=True)
class Batch:
    id: str
    campaign_id: str
    batch_size: int
    points_value: int
    label: str | None
    expires_at: datetime | None
    created_at: datetime
    sequence: int

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.created_at, self.sequence)


@dataclass
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


@dataclass(frozen=True)
class GeneratedBatch:
    batch: Batch
    codes: list[str]
    campaign: Campaign


@dataclass(frozen=True)
class BatchPage:
    batches: list[Batch]
    total: int
    page: int
    limit: int


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


class CodesBackend:
    """Every partner's campaigns and codes, safe to share between threads."""

    def __init__(
        self,
        code_format: CodeFormat,
        *,
        clock: Clock | None = None,
        randomness: Randomness | None = None,
        digester: CodeDigester | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.randomness = randomness or Randomness()
        self._drawer = CodeDrawer(code_format, self.randomness)
        self._digester = digester or CodeDigester()
        self._lock = threading.RLock()
        self._keys: dict[bytes, ApiKey] = {}
        self._campaigns: dict[tuple[str, Environment, str], Campaign] = {}
        self._codes: dict[int, Batch] = {}
        self._sequence = 0

    # -- set-up (fixtures) ---------------------------------------------------------------

    def add_key(self, key: ApiKey) -> None:
        self._keys[key.secret_sha256] = key

    def add_campaign(self, campaign: Campaign) -> None:
        self._campaigns[(campaign.partner.id, campaign.environment, campaign.slug)] = campaign

    def add_batch(self, campaign: Campaign, **fields: object) -> GeneratedBatch:
        """Store a batch of `batch_size` fresh codes; `known_codes` seeds some of them."""
        known = [str(code) for code in fields.pop("known_codes", None) or ()]
        with self._lock:
            batch = self._new_batch(campaign, **fields)  # type: ignore[arg-type]
            codes = self._store_codes(campaign.slug, batch, known)
            return GeneratedBatch(batch, codes, campaign)

    # -- operations ----------------------------------------------------------------------

    def authenticate(self, secret: str | None) -> Principal:
        """D2: who the secret acts for, or the documented 401/403."""
        if not secret:
            raise Unauthorized("Missing X-API-Secret header")
        # Keys are found by the SHA-256 of the secret and then compared in constant time, so
        # the time taken says nothing about how much of a stored secret a guess shares.
        digest = secret_digest(secret)
        key = self._keys.get(digest)
        if key is None or not hmac.compare_digest(key.secret_sha256, digest):
            raise Unauthorized("Invalid API key")
        if key.revoked:
            raise Forbidden("API key has been revoked")
        if not key.application_active:
            raise Forbidden("Application is not active")
        return Principal(key.partner, key.environment)

    def campaign(self, principal: Principal, slug: str) -> Campaign:
        campaign = self._campaigns.get((principal.partner.id, principal.environment, slug))
        if campaign is None:
            raise NotFound(CAMPAIGN_NOT_FOUND)
        return campaign

    def generate_codes(
        self,
        principal: Principal,
        slug: str,
        batch_size: int,
        points_value: int,
        label: str | None = None,
        expires_at: datetime | None = None,
    ) -> GeneratedBatch:
        campaign = self.campaign(principal, slug)
        with self._lock:
            batch = self._new_batch(
                campaign,
                batch_size=batch_size,
                points_value=points_value,
                label=label,
                expires_at=expires_at,
                created_at=self.clock.now(),
            )
            codes = self._store_codes(slug, batch, [])
        return GeneratedBatch(batch, codes, campaign)

    def list_batches(self, principal: Principal, slug: str, page: int, limit: int) -> BatchPage:
        """One page of the campaign's batches, newest first, without scanning the others."""
        campaign = self.campaign(principal, slug)
        with self._lock:
            batches = campaign.batches
            total = len(batches)
            stop = max(total - (page - 1) * limit, 0)
            start = max(stop - limit, 0)
            selected = batches[start:stop][::-1]
        return BatchPage(selected, total, page, limit)

    @property
    def code_count(self) -> int:
        return len(self._codes)

    def has_code(self, code: str) -> bool:
        return self._digester.digest(code) in self._codes

    # -- internals -----------------------------------------------------------------------

    def _new_batch(self, campaign: Campaign, **fields: object) -> Batch:
        self._sequence += 1
        fields.setdefault("id", self.randomness.uuid4())
        batch = Batch(campaign_id=campaign.id, sequence=self._sequence, **fields)  # type: ignore[arg-type]
        bisect.insort(campaign.batches, batch, key=lambda stored: stored.order_key)
        return batch

    def _store_codes(self, slug: str, batch: Batch, known: list[str]) -> list[str]:
        """Draw codes unique across the whole mock and keep only their digests."""
        codes = [code.strip().upper() for code in known]
        digests = {self._digester.digest(code) for code in codes}
        if len(digests) != len(codes) or not digests.isdisjoint(self._codes):
            raise ValueError(f"batch {batch.id}: its codes repeat codes already stored")
        while len(codes) < batch.batch_size:
            for code in self._drawer.draw(slug, batch.batch_size - len(codes)):
                digest = self._digester.digest(code)
                if digest not in self._codes and digest not in digests:
                    digests.add(digest)
                    codes.append(code)
        self._codes.update(dict.fromkeys(digests, batch))
        return codes
