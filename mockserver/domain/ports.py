"""The storage port: what a store keeps and fetches for the domain, and nothing of the rules.

`service.Codes` writes the rules of D2-D9 once, over any `Store`: the memory store (one
process, the fastest), SQLite (durable) and PostgreSQL (shared by several instances). A store
only keeps and fetches: which code is redeemed, which batch is listed, and so on. Every write
is atomic and, when it returns, kept; a write that could not be kept raises StoreUnavailable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from .records import (
    ApiKey,
    Batch,
    BatchTally,
    Campaign,
    CampaignKey,
    CampaignStatus,
    CodeRecord,
    NewBatch,
    Partner,
)


@dataclass(frozen=True)
class PartnerSeed:
    """A partner as fixtures (or the admin API) give it: its keys and campaigns."""

    partner: Partner
    keys: tuple[ApiKey, ...]
    campaigns: tuple[Campaign, ...]


@dataclass(frozen=True)
class Seed:
    """What a store starts from and goes back to on a reset: the fixtures, codes drawn."""

    partners: tuple[PartnerSeed, ...]
    batches: tuple[NewBatch, ...]
    # Ids of the fixtures' batches: a store made from other fixtures is refused if one is missing.
    batch_ids: frozenset[str] = field(default_factory=frozenset)


class Store(Protocol):
    """What the domain needs kept. Methods that read may be called from several threads at once."""

    #: `memory`, or the store's URL without its password: for messages.
    name: str
    #: Whether its writes wait on a network: the app then runs writing operations in worker threads.
    blocking: bool
    #: Whether other processes may change it: the domain then takes up their changes (the clock,
    #: keys, campaigns) before each operation.
    shared: bool

    def digest_key(self) -> bytes:
        """The key codes are digested with: the same for every instance of a shared store."""

    def install(self, seed: Seed, clock_offset: timedelta) -> None:
        """Start from `seed` if the store is new; else check it was made from the same fixtures."""

    def reset(self, seed: Seed) -> None:
        """Back to `seed`: every batch, code, change and partner added since goes; the clock too."""

    def catch_up(self) -> None:
        """Take up what other processes on a shared store changed since it last looked."""

    async def caught_up(self) -> None:
        """The same, awaited: concurrent callers may share one look (each sees all that was kept
        before it called)."""

    def clock_offset(self) -> timedelta:
        """The offset of the mock's clock (shared by every instance of a shared store)."""

    def set_clock_offset(self, offset: timedelta) -> None: ...

    def shift_clock(self, by: timedelta) -> timedelta:
        """Move the offset by `by`, atomically (two moves at once both count); the new offset."""

    def key(self, secret_sha256: bytes) -> ApiKey | None: ...

    def campaign(self, key: CampaignKey) -> Campaign | None: ...

    def campaign_by_id(self, campaign_id: str) -> Campaign | None: ...

    def partners(self) -> list[PartnerSeed]:
        """Every partner with its keys and campaigns (for the dashboard and the admin API)."""

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        """Batches of a campaign, newest first (createdAt, then creation order), and how many it has."""

    def tallies(self, campaign: Campaign, now: datetime) -> Iterable[BatchTally]:
        """The campaign's batches summed by whether they are revoked and expired at `now`."""

    def code(self, digest: int) -> CodeRecord | None: ...

    def existing(self, digests: Sequence[int]) -> set[int]:
        """Which of these digests a batch holds already."""

    def code_count(self) -> int: ...

    def add_batch(self, batch: NewBatch) -> Batch | None:
        """Keep a batch and its codes; None, keeping nothing, if one of its digests is held already."""

    def redeem(self, record: CodeRecord) -> bool:
        """Mark the code redeemed, if nobody redeemed or revoked it since it was read."""

    def revoke_code(self, digest: int) -> bool:
        """Revoke one code (its batch's counts follow); False if there is no such code."""

    def revoke_batch(self, batch_id: str) -> bool: ...

    def add_partner(self, partner: PartnerSeed) -> None:
        """Keep a partner added at run time; ValueError if a secret or a slug is taken."""

    def update_campaign(
        self, campaign_id: str, status: CampaignStatus, ends_at: datetime | None
    ) -> Campaign | None:
        """Set a campaign's state; None if there is no such campaign."""

    def revoke_key(self, secret_sha256: bytes) -> bool: ...

    def healthy(self) -> str | None:
        """None when the store keeps what it is given; else why not (the last write that failed)."""

    def failed_writes(self) -> tuple[int, str | None]:
        """How many writes it could not keep since it was opened, and why the last one failed."""

    def close(self) -> None: ...
