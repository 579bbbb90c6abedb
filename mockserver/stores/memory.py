"""The memory store: everything in this process, as fast as it goes, gone when the process ends.

Codes are kept as keyed digests only, in generations of at most GENERATION digests each: a
generation is a set while codes are only drawn, and becomes a mapping from digest to batch the
first time a lookup needs one of its codes. Small generations keep every pause small: growing a
set, or indexing one, costs a few tens of milliseconds, not seconds at twenty million codes.

The garbage collector would walk every digest of every set on each full collection: a second
and more at twenty million codes. A generation that is full (or indexed, once full) changes no
more, so it is moved out of the collector's sight (gc.freeze); only the current one is walked.

The SQL stores keep a MemoryStore as their replica of what the database holds (sql.py): they
apply the events of their log to it.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import gc
import itertools
import os
import threading
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta
from typing import Any

from ..domain.events import Decision, Event
from ..domain.ports import PartnerSeed, View
from ..domain.records import ApiKey, Batch, Campaign, CampaignKey, CodeRecord, Partner

GENERATION = 1 << 20  # digests per generation: indexing one costs about 0.1 s


class _Generation:
    """Digests of up to GENERATION codes: a set until looked up in, then a mapping to their batches."""

    __slots__ = ("owners", "size", "unindexed", "young")

    def __init__(self) -> None:
        self.young: set[int] = set()
        self.unindexed: list[tuple[Batch, Sequence[int]]] = []  # batches of the young digests
        self.owners: dict[int, Batch] | None = None
        self.size = 0

    def isdisjoint(self, values: list[int]) -> bool:
        return self.young.isdisjoint(values) and self.indexed_isdisjoint(values)

    def indexed_isdisjoint(self, values: list[int]) -> bool:
        return self.owners is None or self.owners.keys().isdisjoint(values)

    def __contains__(self, digest: int) -> bool:
        return digest in self.young or (self.owners is not None and digest in self.owners)

    def admit(self, values: list[int]) -> bool:
        """Hold digests new to every other generation; False, holding none, if one of them is held
        here already or two of them are equal (the set's growth tells: one pass, not two)."""
        if not self.indexed_isdisjoint(values):
            return False
        young, before = self.young, len(self.young)
        young.update(values)
        if len(young) - before != len(values):
            # Rare (a clash): take them out again, and put back those stored batches hold.
            young.difference_update(values)
            wanted = set(values)
            young.update(digest for _, held in self.unindexed for digest in held if digest in wanted)
            return False
        return True

    def attach(self, batch: Batch, digests: Sequence[int], count: int) -> None:
        """Give admitted digests their batch. Kept as given until indexed: an array of digests is
        compact, and not for the GC to walk."""
        self.unindexed.append((batch, digests))
        self.size += count

    def owner(self, digest: int) -> Batch:
        if self.owners is None:
            self.owners = {}
        if self.unindexed:
            # The set goes first: the mapping's keys then reuse the memory of its int objects.
            self.young.clear()
            for batch, digests in self.unindexed:
                self.owners.update(zip(digests, itertools.repeat(batch)))
            self.unindexed.clear()
        return self.owners[digest]


Reservation = tuple[_Generation, list[int]]  # digests held for a batch to come, and where


class CodeIndex:
    """Every digest of the store, unique, each with the batch it belongs to."""

    def __init__(self) -> None:
        self._generations = [_Generation()]

    def __len__(self) -> int:
        return sum(generation.size for generation in self._generations)

    def __contains__(self, digest: int) -> bool:
        return any(digest in generation for generation in self._generations)

    def reserve(self, digests: Sequence[int]) -> Reservation | None:
        """Hold these digests if each is new and distinct, for `add` to give them their batch (or
        `release` to let them go); None, holding none, if not."""
        values = list(digests)  # each digest made an int object once
        *older, current = self._generations
        if not all(generation.isdisjoint(values) for generation in older):
            return None
        if current.size and current.size + len(values) > GENERATION:
            if not current.isdisjoint(values):
                return None
            current = _Generation()
            self._generations.append(current)
            gc.freeze()  # the full generation changes no more: out of the collector's sight
        return (current, values) if current.admit(values) else None

    def add(self, batch: Batch, digests: Sequence[int], reservation: Reservation | None = None) -> bool:
        """Index a batch's digests (held by `reservation`, or new and distinct); else False, and
        nothing changes."""
        reservation = reservation or self.reserve(digests)
        if reservation is None:
            return False
        generation, values = reservation
        generation.attach(batch, digests, len(values))
        return True

    def add_checked(self, batch: Batch, digests: Sequence[int]) -> None:
        """Index a batch's digests that a decision on this index, as it still stands, found new
        and distinct: they are not looked for again."""
        values = list(digests)
        current = self._generations[-1]
        if current.size and current.size + len(values) > GENERATION:
            current = _Generation()
            self._generations.append(current)
            gc.freeze()
        current.young.update(values)
        current.attach(batch, digests, len(values))

    @staticmethod
    def release(reservation: Reservation) -> None:
        generation, values = reservation
        generation.young.difference_update(values)  # all of them were new to it

    def clashes(self, digests: Sequence[int]) -> bool:
        """Whether one of these digests is held already, or two are equal (set operations in C)."""
        values = digests if isinstance(digests, list) else list(digests)
        if len(set(values)) != len(values):
            return True
        return not all(generation.isdisjoint(values) for generation in self._generations)

    def owner(self, digest: int) -> Batch | None:
        for generation in reversed(self._generations):  # the newest codes are looked up most
            if digest in generation:
                indexing = generation.unindexed and generation is not self._generations[-1]
                batch = generation.owner(digest)
                if indexing:
                    gc.freeze()  # a full generation's new mapping changes no more either
                return batch
        return None


class MemoryStore:
    """Keys, campaigns, batches and code digests in this process, behind one lock.

    It is a domain.ports.State: events (domain/events.py) are applied to it. A write decides on
    it and applies its events under the lock, so nothing comes between the two."""

    name = "memory"
    blocking = False
    shared = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._digest_key = os.urandom(32)
        self._offset = timedelta(0)
        self._sequence = 0  # events applied
        # In a write, digests a decision found free (`clashes`) stay held for its batch: the
        # index is probed once per code, not twice (the probes of a big index miss the cache).
        self._writing = False
        self._reserved: tuple[Sequence[int], Reservation] | None = None
        # While apply() runs: digests a decision on this store, as it still stands, found new.
        self._checked: Collection[Sequence[int]] = ()
        self._clear()

    def _clear(self) -> None:
        self._keys: dict[bytes, ApiKey] = {}
        self._campaigns: dict[CampaignKey, Campaign] = {}
        self._by_id: dict[str, Campaign] = {}
        self._partners: dict[str, PartnerSeed] = {}
        # Each campaign's batches, oldest first by (createdAt, creation order): listings read from the end.
        self._batches: dict[str, list[Batch]] = {}
        self._batch_by_id: dict[str, Batch] = {}
        self._index = CodeIndex()
        self._redeemed: set[int] = set()
        self._revoked: set[int] = set()

    # -- writes ----------------------------------------------------------------------------

    def digest_key(self) -> bytes:
        return self._digest_key

    def write(self, decide: Callable[[View], Decision], *, grouped: bool = False) -> Any:
        with self._lock:
            self._writing = True
            try:
                answer, events = decide(self)
                for event in events:
                    event.apply(self, self._sequence + 1)
                    self._sequence += 1  # once applied: a reader that sees the number sees the change
                return answer
            finally:
                self._writing = False
                if self._reserved is not None:  # a batch's digests were checked, and not kept
                    self._index.release(self._reserved[1])
                    self._reserved = None

    def apply(
        self, event: Event, sequence: int | None = None, *, checked: Collection[Sequence[int]] = ()
    ) -> None:
        """Apply one event, numbered `sequence` (a SQL store's log gives its own), else the next.

        `checked`: digest sequences (these very objects) that a decision on this store, as it
        still stands, found new and distinct: a batch of them is not looked for again (a SQL
        store's own write, just kept)."""
        with self._lock:
            number = self._sequence + 1 if sequence is None else max(self._sequence, sequence)
            self._checked = checked
            try:
                event.apply(self, number)
            finally:
                self._checked = ()
            self._sequence = number

    def writes_since(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # nobody else changes it

    def catch_up(self) -> None:
        pass  # nobody else changes it

    async def caught_up(self) -> None:
        pass

    # -- the State events are applied to ---------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self._clear()
            self._offset = timedelta(0)

    def put_partner(self, partner: Partner) -> None:
        self._partners[partner.id] = PartnerSeed(partner, (), ())

    def put_key(self, key: ApiKey) -> None:
        self._keys[key.secret_sha256] = key
        seed = self._partners[key.partner.id]
        keys = [each for each in seed.keys if each.secret_sha256 != key.secret_sha256]
        if len(keys) == len(seed.keys):
            keys.append(key)
        else:
            keys = [key if each.secret_sha256 == key.secret_sha256 else each for each in seed.keys]
        self._partners[key.partner.id] = dataclasses.replace(seed, keys=tuple(keys))

    def put_campaign(self, campaign: Campaign) -> None:
        self._campaigns[campaign.key] = self._by_id[campaign.id] = campaign
        seed = self._partners[campaign.partner.id]
        self._partners[campaign.partner.id] = dataclasses.replace(seed, campaigns=(*seed.campaigns, campaign))

    def put_batch(self, batch: Batch, digests: Sequence[int]) -> bool:
        reserved, self._reserved = self._reserved, None
        if any(checked is digests for checked in self._checked):
            self._index.add_checked(batch, digests)
            kept = True
        elif reserved is not None and reserved[0] is digests:
            kept = self._index.add(batch, digests, reserved[1])
        else:
            if reserved is not None:
                self._index.release(reserved[1])
            kept = self._index.add(batch, digests)
        if not kept:
            return False
        batches = self._batches.setdefault(batch.campaign.id, [])
        if not batches or batches[-1].order_key <= batch.order_key:
            batches.append(batch)  # the usual case: the newest batch of its campaign
        else:
            bisect.insort(batches, batch, key=lambda stored: stored.order_key)
        self._batch_by_id[batch.id] = batch
        return True

    def mark_redeemed(self, digest: int) -> None:
        self._redeemed.add(digest)

    def mark_revoked(self, digest: int) -> None:
        self._revoked.add(digest)

    def set_clock_offset(self, offset: timedelta) -> None:
        self._offset = offset

    # -- reads -----------------------------------------------------------------------------

    def is_new(self) -> bool:
        return self._sequence == 0

    def version(self) -> int:
        return self._sequence

    def clock_offset(self) -> timedelta:
        return self._offset

    def key(self, secret_sha256: bytes) -> ApiKey | None:
        return self._keys.get(secret_sha256)

    def partner(self, partner_id: str) -> PartnerSeed | None:
        return self._partners.get(partner_id)

    def campaign(self, key: CampaignKey) -> Campaign | None:
        return self._campaigns.get(key)

    def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return self._by_id.get(campaign_id)

    def partners(self) -> list[PartnerSeed]:
        with self._lock:
            return list(self._partners.values())

    def batch(self, batch_id: str) -> Batch | None:
        return self._batch_by_id.get(batch_id)

    def has_batch(self, batch_id: str) -> bool:
        return batch_id in self._batch_by_id

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        batches = self._batches.get(campaign.id, [])
        stop = max(len(batches) - offset, 0)
        return batches[max(stop - limit, 0) : stop][::-1], len(batches)

    def batches(self, campaign: Campaign) -> list[Batch]:
        with self._lock:
            return list(self._batches.get(campaign.id, ()))

    def code(self, digest: int) -> CodeRecord | None:
        with self._lock:
            batch = self._index.owner(digest)
            if batch is None:
                return None
            return CodeRecord(digest, batch, digest in self._redeemed, digest in self._revoked)

    def clashes(self, digests: Sequence[int]) -> bool:
        with self._lock:
            if self._writing and self._reserved is None:
                reservation = self._index.reserve(digests)
                if reservation is None:
                    return True
                self._reserved = (digests, reservation)
                return False
            return self._index.clashes(digests)

    def existing(self, digests: Sequence[int]) -> set[int]:
        with self._lock:
            return {digest for digest in digests if digest in self._index}

    def code_count(self) -> int:
        return len(self._index)

    def healthy(self) -> str | None:
        return None

    def failed_writes(self) -> tuple[int, str | None]:
        return 0, None

    def close(self) -> None:
        pass
