"""The storage port: what a store keeps and fetches for the domain, and nothing of the rules.

`service.Codes` writes the rules of D2-D9 once, over any `Store`: the memory store (one
process, the fastest), SQLite (durable) and PostgreSQL (shared by several instances). A store
only keeps and fetches. The domain decides every write on what a store holds (`View`) and says
it as events (events.py), which the store keeps and applies to its `State` as events.py says:
every write is atomic and, when it returns, kept; a write that could not be kept raises
StoreUnavailable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from .records import ApiKey, Batch, Campaign, CampaignKey, CodeRecord, Partner


class StoreUnavailable(Exception):
    """The store failed (a full disk, a database gone): nothing was kept. `failed` says what
    could not be done, in the port's words; the API answers a 503 that says so."""

    KEEP, READ, BUSY, INTERRUPTED = "keep", "read", "busy", "interrupted"

    def __init__(self, failed: str) -> None:
        super().__init__(failed)
        self.failed = failed


class StoreMoved(Exception):
    """A write made within `Store.writes_since()` found that the store took up another process's
    changes after the block began: what the request checked may be out of date, so nothing was
    kept. Look again, from the store as it is."""


class StoreMismatch(ValueError):
    """A durable store made from other fixtures than the mock is started with."""


@dataclass(frozen=True)
class PartnerSeed:
    """A partner as fixtures (or the admin API) give it: its keys and campaigns."""

    partner: Partner
    keys: tuple[ApiKey, ...]
    campaigns: tuple[Campaign, ...]


class View(Protocol):
    """What the domain reads of a store, to answer or to decide a write. Reads may come from
    several threads at once."""

    def key(self, secret_sha256: bytes) -> ApiKey | None: ...

    def partner(self, partner_id: str) -> PartnerSeed | None: ...

    def campaign(self, key: CampaignKey) -> Campaign | None: ...

    def campaign_by_id(self, campaign_id: str) -> Campaign | None: ...

    def has_batch(self, batch_id: str) -> bool: ...

    def code(self, digest: int) -> CodeRecord | None: ...

    def clashes(self, digests: Sequence[int]) -> bool:
        """Whether a batch holds one of these digests already, or two of them are equal: a new
        batch may not take them."""

    def clock_offset(self) -> timedelta:
        """The offset of the mock's clock (shared by every instance of a shared store)."""

    def is_new(self) -> bool:
        """Whether nothing was ever kept: the fixtures are then installed."""


class State(View, Protocol):
    """What events are applied to (events.py): keeps, with no rule of their own."""

    def batch(self, batch_id: str) -> Batch | None: ...

    def put_partner(self, partner: Partner) -> None: ...

    def put_key(self, key: ApiKey) -> None:
        """Keep a key, or its new state (revoked) in place of the old."""

    def put_campaign(self, campaign: Campaign) -> None: ...

    def put_batch(self, batch: Batch, digests: Sequence[int]) -> bool:
        """Keep a batch and index its digests; False, keeping nothing, if one is held already."""

    def mark_redeemed(self, digest: int) -> None: ...

    def mark_revoked(self, digest: int) -> None: ...

    def set_clock_offset(self, offset: timedelta) -> None: ...

    def clear(self) -> None:
        """Nothing kept, the clock's offset nought."""


class Store(View, Protocol):
    """Where the mock's state is kept. A write is a decision on the store as it is (`View`),
    said as events that the store keeps and applies, atomically: no other write comes between
    what `decide` read and what it kept."""

    #: `memory`, or the store's URL without its password: for messages.
    name: str
    #: Whether its writes wait on a network: the app then runs writing operations in worker threads.
    blocking: bool
    #: Whether other processes may change it: the domain then takes up their changes (the clock,
    #: keys, campaigns) before each operation.
    shared: bool

    def digest_key(self) -> bytes:
        """The key codes are digested with: the same for every instance of a shared store."""

    def write(self, decide: Callable[[View], tuple[Any, Sequence[Any]]], *, grouped: bool = False) -> Any:
        """Decide on the store as it is, keep the events decided (an events.Decision: the answer
        and the events), apply them; what `decide` answered. Its errors go through, keeping
        nothing. `grouped` writes (new batches, redemptions) may share a commit: a later one of a
        group sees what the earlier decided. StoreUnavailable if the events could not be kept."""

    def writes_since(self) -> AbstractContextManager[None]:
        """A block whose writes decide on the store as it stood when the block began, or not at
        all: a write is refused with StoreMoved if the store took up another process's changes
        since (a request checked on a replica it did not bring up to date first). A store no
        other process changes never refuses."""

    def catch_up(self) -> None:
        """Take up what other processes on a shared store changed since it last looked."""

    async def caught_up(self) -> None:
        """The same, awaited: concurrent callers may share one look (each sees all that was kept
        before it called)."""

    def version(self) -> int:
        """The number of the last event it holds: it moves with every change, and never back."""

    def partners(self) -> list[PartnerSeed]:
        """Every partner with its keys and campaigns (for the dashboard and the admin API)."""

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        """Batches of a campaign, newest first (createdAt, then creation order), and how many it has."""

    def batch(self, batch_id: str) -> Batch | None: ...

    def batches(self, campaign: Campaign) -> list[Batch]:
        """Every batch of a campaign, in no order."""

    def existing(self, digests: Sequence[int]) -> set[int]:
        """Which of these digests a batch holds already."""

    def code_count(self) -> int: ...

    def healthy(self) -> str | None:
        """None when the store keeps what it is given; else why not (the last write that failed)."""

    def failed_writes(self) -> tuple[int, str | None]:
        """How many writes it could not keep since it was opened, and why the last one failed."""

    def close(self) -> None: ...
