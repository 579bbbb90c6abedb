"""`CodesBackend`: every partner's campaigns and codes behind one lock. No web import.

Its public methods are named after the API's operations; they raise `ApiError`s for the
documented failures, in the documented order.
"""

from __future__ import annotations

import bisect
import dataclasses
import hmac
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .codes import CodeDigester, CodeDrawer, CodeFormat, Randomness
from .domain import (
    ApiKey,
    Batch,
    BatchPage,
    Campaign,
    Clock,
    CodeStats,
    CodeStatus,
    Environment,
    GeneratedBatch,
    Principal,
    Redemption,
    SavedBatch,
    Snapshot,
    Verdict,
    secret_digest,
)
from .errors import (
    CAMPAIGN_NOT_FOUND,
    CODE_NOT_FOUND,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
)
from .store import CodeStore

CODE_VALID = "Code is valid and redeemable"
CAMPAIGN_ENDED = "Campaign has ended"
CAMPAIGN_NOT_ACTIVE = "Campaign is not active"
# What a state file may not change of a batch the fixtures define.
_FIXED_FIELDS = ("batch_size", "points_value", "label", "expires_at", "created_at")


def status_message(status: CodeStatus) -> str:
    return f"Code status is {status.value}"


class CodesBackend:
    """The mock's state, safe to share between threads."""

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
        self._store = CodeStore(CodeDrawer(code_format, self.randomness), digester or CodeDigester())
        self._lock = threading.RLock()
        self._keys: dict[bytes, ApiKey] = {}
        self._campaigns: dict[tuple[str, Environment, str], Campaign] = {}
        self._redeemed: set[int] = set()
        self._revoked: set[int] = set()
        self._sequence = 0
        self.revision = 0  # counts changes, so a saver can tell when there is something to write

    # -- set-up (fixtures) ---------------------------------------------------------------

    def add_key(self, key: ApiKey) -> None:
        self._keys[key.secret_sha256] = key

    def add_campaign(self, campaign: Campaign) -> None:
        self._campaigns[_campaign_key(campaign)] = campaign

    def add_batch(
        self,
        campaign: Campaign,
        known_codes: list[str],
        redeemed: Iterable[str] = (),
        revoked: Iterable[str] = (),
        **fields: object,
    ) -> GeneratedBatch:
        """Store a batch of `batch_size` fresh codes, `known_codes` among them, some redeemed or revoked."""
        with self._lock:
            batch = self._new_batch(campaign, **fields)
            generated = GeneratedBatch(batch, self._store.add_batch(batch, known_codes))
            for code in redeemed:
                digest, _ = self._store.owner(code)  # type: ignore[misc]  # a code of the batch
                self._redeem(digest, batch)
            for code in revoked:
                self.revoke_code(code)
            return generated

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
        return key.principal

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
            return GeneratedBatch(batch, self._store.add_batch(batch, []))

    def list_batches(self, principal: Principal, slug: str, page: int, limit: int) -> BatchPage:
        """One page of the campaign's batches, newest first, without touching the others."""
        campaign = self.campaign(principal, slug)
        with self._lock:
            batches = campaign.batches
            stop = max(len(batches) - (page - 1) * limit, 0)
            selected = batches[max(stop - limit, 0) : stop][::-1]
            return BatchPage(selected, len(batches), page, limit)

    def get_code_stats(self, principal: Principal, slug: str) -> CodeStats:
        """D8: counts by status at this moment, so they always add up."""
        campaign = self.campaign(principal, slug)
        now = self.clock.now()
        counts = dict.fromkeys(CodeStatus, 0)
        with self._lock:
            for batch in campaign.batches:
                if batch.revoked:
                    counts[CodeStatus.REVOKED] += batch.batch_size
                    continue
                counts[CodeStatus.REVOKED] += batch.revoked_count
                counts[CodeStatus.REDEEMED] += batch.redeemed_count
                untouched = batch.batch_size - batch.revoked_count - batch.redeemed_count
                counts[CodeStatus.EXPIRED if batch.has_expired(now) else CodeStatus.ACTIVE] += untouched
            return CodeStats(
                total_codes=sum(counts.values()),
                active_codes=counts[CodeStatus.ACTIVE],
                redeemed_codes=counts[CodeStatus.REDEEMED],
                expired_codes=counts[CodeStatus.EXPIRED],
                revoked_codes=counts[CodeStatus.REVOKED],
                total_batches=len(campaign.batches),
            )

    def verify_code(self, principal: Principal, code: str) -> Verdict:
        """D7: the first of not found, not ACTIVE, campaign ended, campaign not active, valid."""
        now = self.clock.now()
        with self._lock:
            found = self._find(principal, code)
            if found is None:
                return Verdict(False, None, 0, "", "", False, CODE_NOT_FOUND)
            digest, batch = found
            status = self._status(digest, batch, now)
        campaign = batch.campaign
        ended = campaign.has_ended(now)
        if status is not CodeStatus.ACTIVE:
            message = status_message(status)
        elif ended:
            message = CAMPAIGN_ENDED
        elif not campaign.is_active():
            message = CAMPAIGN_NOT_ACTIVE
        else:
            message = CODE_VALID
        valid = message == CODE_VALID
        return Verdict(valid, status, batch.points_value, campaign.name, campaign.slug, ended, message)

    def redeem_code(self, principal: Principal, slug: str, code: str, user_id: str) -> Redemption:
        """D9: redeem once; of concurrent attempts on one code exactly one succeeds."""
        campaign = self.campaign(principal, slug)
        with self._lock:
            now = self.clock.now()
            found = self._find(principal, code)
            if found is None or found[1].campaign is not campaign:
                raise NotFound(CODE_NOT_FOUND)
            digest, batch = found
            status = self._status(digest, batch, now)
            # A well-formed request that the code's or the campaign's state forbids: a conflict.
            if status is not CodeStatus.ACTIVE:
                raise Conflict(status_message(status))
            if campaign.has_ended(now):
                raise Conflict(CAMPAIGN_ENDED)
            if not campaign.is_active():
                raise Conflict(CAMPAIGN_NOT_ACTIVE)
            self._redeem(digest, batch)
        return Redemption(code.strip().upper(), user_id, batch.points_value, batch, now)

    def revoke_code(self, code: str) -> bool:
        """Revoke one code (the dashboard's job in the real service); False if unknown."""
        with self._lock:
            found = self._store.owner(code)
            if found is None:
                return False
            digest, batch = found
            if digest not in self._revoked and not batch.revoked:
                self._revoked.add(digest)
                batch.revoked_count += 1
                if digest in self._redeemed:
                    batch.redeemed_count -= 1
                self.revision += 1
            return True

    def revoke_batch(self, batch_id: str) -> bool:
        """Revoke every code of a batch (the dashboard's job too); False if unknown."""
        with self._lock:
            for campaign in self._campaigns.values():
                for batch in campaign.batches:
                    if batch.id == batch_id:
                        batch.revoked = True
                        self.revision += 1
                        return True
        return False

    @property
    def code_count(self) -> int:
        return len(self._store)

    def has_code(self, code: str) -> bool:
        with self._lock:
            return self._store.owner(code) is not None

    # -- saved state ---------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """What changed at run time, codes as digests only: for a state file."""
        with self._lock:
            batches = [batch for campaign in self._campaigns.values() for batch in campaign.batches]
            records = [_own_fields(batch) for batch in batches]
            owners = self._store.owners()
            redeemed, revoked = frozenset(self._redeemed), frozenset(self._revoked)
            sequence, offset = self._sequence, self.clock.offset
        # Grouping the digests by batch happens outside the lock, so generate does not wait on it.
        digests: dict[int, list[int]] = {id(batch): [] for batch in batches}
        for digest, batch in owners.items():
            digests[id(batch)].append(digest)
        saved = [
            SavedBatch(_campaign_key(batch.campaign), record, digests[id(batch)])
            for batch, record in zip(batches, records, strict=True)
        ]
        return Snapshot(self._store.digester.key, sequence, saved, redeemed, revoked, offset)

    def restore(self, snapshot: Snapshot) -> None:
        """Carry on from a snapshot of a backend on the same fixtures; ValueError if it does not fit."""
        with self._lock:
            from_fixtures = {batch.id: batch for c in self._campaigns.values() for batch in c.batches}
            batches: dict[str, Batch] = {}
            codes: list[tuple[Batch, list[int]]] = []
            for saved in snapshot.batches:
                batch = self._restored_batch(saved, from_fixtures.pop(saved.fields.get("id"), None))
                if batches.setdefault(batch.id, batch) is not batch:
                    raise ValueError(f"batch {batch.id} appears twice")
                if len(saved.digests) != batch.batch_size:
                    raise ValueError(f"batch {batch.id}: {len(saved.digests)} codes for {batch.batch_size}")
                codes.append((batch, saved.digests))
            store = self._store.restored(CodeDigester(snapshot.digest_key), codes)
            if from_fixtures:
                raise ValueError(f"the fixtures' batch {next(iter(from_fixtures))} is missing from it")
            if not all(map(store.__contains__, snapshot.redeemed | snapshot.revoked)):
                raise ValueError("it marks as redeemed or revoked codes that no batch has")
            for campaign in self._campaigns.values():
                campaign.batches.clear()
            for batch in sorted(batches.values(), key=lambda stored: stored.order_key):
                batch.campaign.batches.append(batch)
            self._store = store
            self._redeemed, self._revoked = set(snapshot.redeemed), set(snapshot.revoked)
            self._sequence = max([snapshot.sequence, *(batch.sequence for batch in batches.values())])
            self.clock.advance(snapshot.clock_offset - self.clock.offset)
            self.revision += 1

    # -- internals -----------------------------------------------------------------------

    def _restored_batch(self, saved: SavedBatch, from_fixtures: Batch | None) -> Batch:
        partner_id, environment, slug = saved.campaign
        campaign = self._campaigns.get(saved.campaign)
        if campaign is None:
            raise ValueError(f"the fixtures have no {environment.value} campaign {slug!r} of {partner_id}")
        batch = Batch(campaign=campaign, **saved.fields)
        if from_fixtures is not None and (
            from_fixtures.campaign is not campaign
            or any(getattr(from_fixtures, name) != getattr(batch, name) for name in _FIXED_FIELDS)
        ):
            raise ValueError(f"batch {batch.id} is not the one the fixtures define")
        return batch

    def _find(self, principal: Principal, code: str) -> tuple[int, Batch] | None:
        """The code's digest and batch, if it belongs to the principal's partner and environment."""
        found = self._store.owner(code)
        if found is None:
            return None
        digest, batch = found
        owner = batch.campaign
        if owner.partner != principal.partner or owner.environment is not principal.environment:
            return None
        return digest, batch

    def _status(self, digest: int, batch: Batch, now: datetime) -> CodeStatus:
        """D5: REVOKED, else REDEEMED, else EXPIRED by the batch's expiresAt, else ACTIVE."""
        if batch.revoked or digest in self._revoked:
            return CodeStatus.REVOKED
        if digest in self._redeemed:
            return CodeStatus.REDEEMED
        if batch.has_expired(now):
            return CodeStatus.EXPIRED
        return CodeStatus.ACTIVE

    def _redeem(self, digest: int, batch: Batch) -> None:
        self._redeemed.add(digest)
        batch.redeemed_count += 1
        self.revision += 1

    def _new_batch(self, campaign: Campaign, **fields: object) -> Batch:
        self._sequence += 1
        self.revision += 1  # a new batch is a change a state file must take in
        fields.setdefault("id", self.randomness.uuid4())
        batch = Batch(campaign=campaign, sequence=self._sequence, **fields)  # type: ignore[arg-type]
        batches = campaign.batches
        if not batches or batches[-1].order_key <= batch.order_key:
            batches.append(batch)  # the usual case: the newest batch of its campaign
        else:
            bisect.insort(batches, batch, key=lambda stored: stored.order_key)
        return batch


def _own_fields(batch: Batch) -> dict[str, Any]:
    return {f.name: getattr(batch, f.name) for f in dataclasses.fields(Batch) if f.name != "campaign"}


def _campaign_key(campaign: Campaign) -> tuple[str, Environment, str]:
    return (campaign.partner.id, campaign.environment, campaign.slug)
