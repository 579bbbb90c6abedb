"""The memory store: everything in this process, as fast as it goes, gone when the process ends.

Codes are kept as keyed digests only, in generations of at most GENERATION digests each: a
generation is a set while codes are only drawn, and becomes a mapping from digest to batch the
first time a lookup needs one of its codes. Small generations keep every pause small: growing a
set, or indexing one, costs a few tens of milliseconds, not seconds at twenty million codes.

The garbage collector would walk every digest of every set on each full collection: a second
and more at twenty million codes. A generation that is full (or indexed, once full) changes no
more, so it is moved out of the collector's sight (gc.freeze); only the current one is walked.

The SQL stores keep a MemoryStore as their replica of what the database holds (sql.py).
"""

from __future__ import annotations

import bisect
import dataclasses
import gc
import itertools
import os
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from ..domain.ports import PartnerSeed, Seed
from ..domain.records import (
    ApiKey,
    Batch,
    BatchTally,
    Campaign,
    CampaignKey,
    CampaignStatus,
    CodeRecord,
    NewBatch,
)

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

    def insert(self, batch: Batch, digests: Sequence[int], values: list[int]) -> bool:
        """Add digests new to every other generation; False, adding none, if one of them is held
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
        # Kept as given until indexed: an array of digests is compact, and not for the GC to walk.
        self.unindexed.append((batch, digests))
        self.size += len(values)
        return True

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


class CodeIndex:
    """Every digest of the store, unique, each with the batch it belongs to."""

    def __init__(self) -> None:
        self._generations = [_Generation()]

    def __len__(self) -> int:
        return sum(generation.size for generation in self._generations)

    def __contains__(self, digest: int) -> bool:
        return any(digest in generation for generation in self._generations)

    def add(self, batch: Batch, digests: Sequence[int]) -> bool:
        """Index a batch's digests if each is new and distinct; else False, and nothing changes."""
        values = list(digests)  # each digest made an int object once
        *older, current = self._generations
        if not all(generation.isdisjoint(values) for generation in older):
            return False
        if current.size and current.size + len(values) > GENERATION:
            if not current.isdisjoint(values):
                return False
            current = _Generation()
            self._generations.append(current)
            gc.freeze()  # the full generation changes no more: out of the collector's sight
        return current.insert(batch, digests, values)

    def holds_any(self, digests: Sequence[int]) -> bool:
        """Whether any of these digests is held already (set operations in C, no loop in Python)."""
        values = digests if isinstance(digests, list) else list(digests)
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
    """Keys, campaigns, batches and code digests in this process, behind one lock."""

    name = "memory"
    blocking = False
    shared = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._digest_key = os.urandom(32)
        self._offset = timedelta(0)
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
        self._sequence = 0

    # -- set-up ----------------------------------------------------------------------------

    def digest_key(self) -> bytes:
        return self._digest_key

    def install(self, seed: Seed, clock_offset: timedelta) -> None:
        with self._lock:
            self._offset = clock_offset
            self._load(seed)

    def reset(self, seed: Seed) -> None:
        with self._lock:
            self._clear()
            self._offset = timedelta(0)
            self._load(seed)

    def _load(self, seed: Seed) -> None:
        # Campaigns change in place (update_campaign): the seed's own stay as they came.
        fresh: dict[str, Campaign] = {}
        for partner in seed.partners:
            campaigns = tuple(dataclasses.replace(campaign) for campaign in partner.campaigns)
            fresh.update((campaign.id, campaign) for campaign in campaigns)
            self.add_partner(dataclasses.replace(partner, campaigns=campaigns))
        for new in seed.batches:
            batch = dataclasses.replace(new, campaign=fresh.get(new.campaign.id, new.campaign))
            if self.add_batch(batch) is None:
                raise ValueError(f"batch {new.id}: its codes repeat codes already stored")

    def catch_up(self) -> None:
        pass  # nobody else changes it

    async def caught_up(self) -> None:
        pass

    def clock_offset(self) -> timedelta:
        return self._offset

    def set_clock_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset

    def shift_clock(self, by: timedelta) -> timedelta:
        with self._lock:
            self._offset += by
            return self._offset

    # -- lookups ---------------------------------------------------------------------------

    def key(self, secret_sha256: bytes) -> ApiKey | None:
        return self._keys.get(secret_sha256)

    def campaign(self, key: CampaignKey) -> Campaign | None:
        return self._campaigns.get(key)

    def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return self._by_id.get(campaign_id)

    def partners(self) -> list[PartnerSeed]:
        with self._lock:
            return list(self._partners.values())

    def batch_page(self, campaign: Campaign, offset: int, limit: int) -> tuple[list[Batch], int]:
        batches = self._batches.get(campaign.id, [])
        stop = max(len(batches) - offset, 0)
        return batches[max(stop - limit, 0) : stop][::-1], len(batches)

    def tallies(self, campaign: Campaign, now: datetime) -> Iterable[BatchTally]:
        sums: dict[tuple[bool, bool], list[int]] = {}
        with self._lock:
            for batch in self._batches.get(campaign.id, ()):
                expired = batch.expires_at is not None and batch.expires_at <= now
                entry = sums.setdefault((batch.revoked, expired), [0, 0, 0, 0])
                entry[0] += 1
                entry[1] += batch.batch_size
                entry[2] += batch.redeemed_count
                entry[3] += batch.revoked_count
        return [BatchTally(revoked, expired, *entry) for (revoked, expired), entry in sums.items()]

    def code(self, digest: int) -> CodeRecord | None:
        with self._lock:
            batch = self._index.owner(digest)
            if batch is None:
                return None
            return CodeRecord(digest, batch, digest in self._redeemed, digest in self._revoked)

    def existing(self, digests: Sequence[int]) -> set[int]:
        with self._lock:
            return {digest for digest in digests if digest in self._index}

    def code_count(self) -> int:
        return len(self._index)

    # -- writes ----------------------------------------------------------------------------

    def add_batch(self, new: NewBatch, sequence: int | None = None) -> Batch | None:
        """Keep a batch; None, keeping nothing, if one of its digests is held already.

        `sequence` orders batches created at the same second (the SQL stores give their log's)."""
        with self._lock:
            batch = Batch(
                id=new.id,
                campaign=new.campaign,
                batch_size=new.batch_size,
                points_value=new.points_value,
                label=new.label,
                expires_at=new.expires_at,
                created_at=new.created_at,
                sequence=self._sequence + 1 if sequence is None else sequence,
            )
            if not self._index.add(batch, new.digests):
                return None
            self._sequence = max(self._sequence + 1, batch.sequence)
            batches = self._batches.setdefault(new.campaign.id, [])
            if not batches or batches[-1].order_key <= batch.order_key:
                batches.append(batch)  # the usual case: the newest batch of its campaign
            else:
                bisect.insort(batches, batch, key=lambda stored: stored.order_key)
            self._batch_by_id[batch.id] = batch
            for digest in new.redeemed:
                self._redeemed.add(digest)
                batch.redeemed_count += 1
            for digest in new.revoked:
                self._revoke(digest, batch)
            return batch

    def redeem(self, record: CodeRecord) -> bool:
        with self._lock:
            digest, batch = record.digest, record.batch
            if digest in self._redeemed or digest in self._revoked or batch.revoked:
                return False
            self._redeemed.add(digest)
            batch.redeemed_count += 1
            return True

    def revoke_code(self, digest: int) -> bool:
        with self._lock:
            batch = self._index.owner(digest)
            if batch is None:
                return False
            self._revoke(digest, batch)
            return True

    def _revoke(self, digest: int, batch: Batch) -> None:
        if digest not in self._revoked and not batch.revoked:
            self._revoked.add(digest)
            batch.revoked_count += 1
            if digest in self._redeemed:
                batch.redeemed_count -= 1

    def revoke_batch(self, batch_id: str) -> bool:
        with self._lock:
            batch = self._batch_by_id.get(batch_id)
            if batch is None:
                return False
            batch.revoked = True
            return True

    def add_partner(self, partner: PartnerSeed) -> None:
        with self._lock:
            self.check_new_partner(partner)
            self._partners[partner.partner.id] = partner
            for key in partner.keys:
                self._keys[key.secret_sha256] = key
            for campaign in partner.campaigns:
                self._campaigns[campaign.key] = self._by_id[campaign.id] = campaign

    def check_new_partner(self, partner: PartnerSeed) -> None:
        """ValueError, said as an answer's message, if a secret, an id or a slug is taken already."""
        if any(key.secret_sha256 in self._keys for key in partner.keys):
            raise ValueError("A secret is in use already")
        if partner.partner.id in self._partners:
            raise ValueError("The partner's id is in use already")
        keys = [campaign.key for campaign in partner.campaigns]
        ids = [campaign.id for campaign in partner.campaigns]
        if len(set(keys)) != len(keys) or any(key in self._campaigns for key in keys):
            raise ValueError("A campaign's slug is in use already in its environment")
        if len(set(ids)) != len(ids) or any(campaign_id in self._by_id for campaign_id in ids):
            raise ValueError("A campaign id is in use already")

    def merge_partner(self, partner: PartnerSeed) -> bool:
        """Add what of a partner of the fixtures is new (itself, keys, campaigns); whether anything was."""
        with self._lock:
            known = self._partners.get(partner.partner.id)
            if known is None:
                self.add_partner(partner)
                return True
            keys = tuple(key for key in partner.keys if key.secret_sha256 not in self._keys)
            campaigns = tuple(
                campaign
                for campaign in partner.campaigns
                if campaign.key not in self._campaigns and campaign.id not in self._by_id
            )
            if not keys and not campaigns:
                return False
            for key in keys:
                self._keys[key.secret_sha256] = key
            for campaign in campaigns:
                self._campaigns[campaign.key] = self._by_id[campaign.id] = campaign
            self._partners[partner.partner.id] = dataclasses.replace(
                known, keys=known.keys + keys, campaigns=known.campaigns + campaigns
            )
            return True

    def holds_any(self, digests: Sequence[int]) -> bool:
        with self._lock:
            return self._index.holds_any(digests)

    def has_batch(self, batch_id: str) -> bool:
        return batch_id in self._batch_by_id

    def batch(self, batch_id: str) -> Batch | None:
        return self._batch_by_id.get(batch_id)

    def clear(self) -> None:
        """Nothing kept, the clock's offset nought (a reset, before the fixtures go in again)."""
        with self._lock:
            self._clear()
            self._offset = timedelta(0)

    def update_campaign(
        self, campaign_id: str, status: CampaignStatus, ends_at: datetime | None
    ) -> Campaign | None:
        with self._lock:
            campaign = self._by_id.get(campaign_id)
            if campaign is not None:  # in place: its batches refer to it
                campaign.status, campaign.ends_at = status, ends_at
            return campaign

    def revoke_key(self, secret_sha256: bytes) -> bool:
        with self._lock:
            key = self._keys.get(secret_sha256)
            if key is None:
                return False
            revoked = dataclasses.replace(key, revoked=True)
            self._keys[secret_sha256] = revoked
            seed = self._partners[key.partner.id]
            keys = tuple(revoked if each.secret_sha256 == secret_sha256 else each for each in seed.keys)
            self._partners[key.partner.id] = dataclasses.replace(seed, keys=keys)
            return True

    def healthy(self) -> str | None:
        return None

    def failed_writes(self) -> tuple[int, str | None]:
        return 0, None

    def close(self) -> None:
        pass
