"""`Codes`: the rules of the codes API (D2-D9), written once, over any store.

Its public methods are named after the API's operations; they raise `ApiError`s for the
documented failures, in the documented order. What is kept, and where, is the store's business
(ports.Store): every store answers the same because the rules are all here.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .clock import Clock
from .codes import CodeDigester, CodeDrawer, CodeFormat, CodeSheet, Randomness
from .errors import (
    CAMPAIGN_NOT_FOUND,
    CODE_NOT_FOUND,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
)
from .events import (
    BatchAdded,
    BatchRevoked,
    CampaignChanged,
    ClockSet,
    CodeRedeemed,
    CodeRevoked,
    Decision,
    Event,
    KeyRevoked,
    PartnerAdded,
    Reset,
)
from .ports import PartnerSeed, Store, StoreMismatch, View
from .records import (
    Batch,
    BatchPage,
    Campaign,
    CampaignKey,
    CampaignStatus,
    CodeRecord,
    CodeStats,
    CodeStatus,
    GeneratedBatch,
    Principal,
    Redemption,
    Verdict,
    secret_digest,
)

CODE_VALID = "Code is valid and redeemable"
CAMPAIGN_ENDED = "Campaign has ended"
CAMPAIGN_NOT_ACTIVE = "Campaign is not active"


def status_message(status: CodeStatus) -> str:
    return f"Code status is {status.value}"


@dataclass(frozen=True)
class BatchPlan:
    """A batch of the fixtures before its codes are drawn: its fields and the codes it must hold."""

    campaign: Campaign
    id: str
    batch_size: int
    points_value: int
    label: str | None
    expires_at: datetime | None
    created_at: datetime
    known: tuple[str, ...] = ()
    redeemed: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The fixtures as the domain takes them: partners, and batches whose codes are drawn on each reset."""

    partners: tuple[PartnerSeed, ...]
    batches: tuple[BatchPlan, ...]


@dataclass(frozen=True)
class Seed:
    """What a store starts from and goes back to on a reset: the fixtures, codes drawn."""

    partners: tuple[PartnerSeed, ...]
    batches: tuple[BatchAdded, ...]
    # Ids of the fixtures' batches: a store made from other fixtures is refused if one is missing.
    batch_ids: frozenset[str] = field(default_factory=frozenset)


class Codes:
    """The mock's behaviour: each operation checks and acts on what the store keeps."""

    def __init__(
        self,
        store: Store,
        code_format: CodeFormat,
        plan: Plan,
        *,
        clock: Clock | None = None,
        randomness: Randomness | None = None,
    ) -> None:
        self.store = store
        self.plan = plan
        self.clock = clock or Clock()
        self.randomness = randomness or Randomness()
        self._seed = self.randomness.seed
        self._format = code_format
        self._drawer = CodeDrawer(code_format, self.randomness)
        self.digester = CodeDigester(store.digest_key())

    # -- set-up ----------------------------------------------------------------------------

    def install(self) -> None:
        """Start the store from the fixtures (if it is new) and take up its clock. A store made
        before must hold the fixtures' batches, and takes up the partners, keys and campaigns
        they gained since; StoreMismatch if it was made from other fixtures."""
        self.store.catch_up()
        seed, offset = self.drawn_seed(), self.clock.offset

        def decide(view: View) -> Decision:
            if view.is_new():
                events: list[Event] = seed_events(seed)
                if offset:
                    events.append(ClockSet(offset))
                return None, events
            missing = sorted(batch_id for batch_id in seed.batch_ids if not view.has_batch(batch_id))
            if missing:
                raise StoreMismatch(
                    f"the fixtures' batch {missing[0]} is missing from it: it was made from other fixtures"
                )
            return None, [PartnerAdded(partner) for partner in seed.partners if gains(view, partner)]

        self.store.write(decide)
        self.take_up_clock()

    def reset(self) -> None:
        """Back to the fixtures: their batches with fresh codes, no change made since, the clock too."""
        self.randomness = Randomness(self._seed)
        self._drawer = CodeDrawer(self._format, self.randomness)
        events = [Reset(), *seed_events(self.drawn_seed())]
        self.store.write(lambda view: (None, events))
        self.take_up_clock()

    def refresh(self) -> None:
        """Take up what other processes on a shared store changed: the clock, keys and campaigns.

        Each operation begins with it; a store only this process changes skips it.
        """
        if self.store.shared:
            self.store.catch_up()
            self.take_up_clock()

    async def refreshed(self) -> None:
        """refresh(), for an event loop: concurrent requests may share the store's one look."""
        if self.store.shared:
            await self.store.caught_up()
            self.take_up_clock()

    def take_up_clock(self) -> None:
        """Take up the store's clock offset, as it holds it (no query)."""
        offset = self.store.clock_offset()
        if offset != self.clock.offset:
            self.clock.shift(offset)

    def drawn_seed(self) -> Seed:
        """The fixtures with the codes of their batches drawn; ValueError if their codes repeat."""
        batches = []
        taken: set[int] = set()
        for plan in self.plan.batches:
            # The store is about to start from these (new, or wiped for a reset):
            # only the seed's own codes count.
            _, digests = self._sheet_with(
                plan.campaign.slug, plan.batch_size, plan.known, taken, stored=False
            )
            batches.append(
                BatchAdded(
                    id=plan.id,
                    campaign_id=plan.campaign.id,
                    batch_size=plan.batch_size,
                    points_value=plan.points_value,
                    label=plan.label,
                    expires_at=plan.expires_at,
                    created_at=plan.created_at,
                    digests=digests,
                    redeemed=frozenset(map(self._digest_of, plan.redeemed)),
                    revoked=frozenset(map(self._digest_of, plan.revoked)),
                )
            )
            taken.update(digests)
        return Seed(self.plan.partners, tuple(batches), frozenset(plan.id for plan in self.plan.batches))

    # -- operations ------------------------------------------------------------------------

    def authenticate(self, secret: str | None) -> Principal:
        """D2: who the secret acts for, or the documented 401/403."""
        if not secret:
            raise Unauthorized("Missing X-API-Secret header")
        # Keys are found by the SHA-256 of the secret and then compared in constant time, so
        # the time taken says nothing about how much of a stored secret a guess shares.
        digest = secret_digest(secret)
        key = self.store.key(digest)
        if key is None or not hmac.compare_digest(key.secret_sha256, digest):
            raise Unauthorized("Invalid API key")
        if key.revoked:
            raise Forbidden("API key has been revoked")
        if not key.application_active:
            raise Forbidden("Application is not active")
        return key.principal

    def campaign(self, principal: Principal, slug: str) -> Campaign:
        """D3: the principal's campaign of this slug; another partner's or environment's is not found."""
        campaign = self.store.campaign(CampaignKey(principal.partner.id, principal.environment, slug))
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
        """D4/D5: a batch of fresh codes, unique across the whole mock; any campaign state may generate."""
        campaign = self.campaign(principal, slug)
        batch_id, created_at = self.randomness.uuid4(), self.clock.now()
        while True:
            sheet = self._drawer.draw(slug, batch_size)
            digests = self.digester.digests(sheet)
            new = BatchAdded(
                batch_id, campaign.id, batch_size, points_value, label, expires_at, created_at, digests
            )
            stored = self._add_batch(new)  # the usual case: every code new, kept at once
            if stored is not None:
                return GeneratedBatch(stored, sheet)
            # A drawn code clashes with a stored one (or with itself), or another instance on the
            # store drew the same id: draw again around what is stored, with another id.
            batch_id = self.randomness.uuid4()
            sheet, digests = self._sheet_with(slug, batch_size, (), set(), stored=True)
            stored = self._add_batch(
                BatchAdded(
                    batch_id, campaign.id, batch_size, points_value, label, expires_at, created_at, digests
                )
            )
            if stored is not None:
                return GeneratedBatch(stored, sheet)

    def _add_batch(self, new: BatchAdded) -> Batch | None:
        """Keep a batch whose id and codes are new to the whole store and distinct (D5); None,
        keeping nothing, if not."""

        def decide(view: View) -> Decision:
            if view.has_batch(new.id) or view.clashes(new.digests):
                return None, ()
            return new.id, (new,)

        kept = self.store.write(decide, grouped=True)
        return None if kept is None else self.store.batch(kept)

    def list_batches(self, principal: Principal, slug: str, page: int, limit: int) -> BatchPage:
        """D6: one page of the campaign's batches, newest first."""
        campaign = self.campaign(principal, slug)
        as_of = self.store.version()  # first: the page may be newer, never older
        batches, total = self.store.batch_page(campaign, (page - 1) * limit, limit)
        return BatchPage(batches, total, page, limit, as_of)

    def get_code_stats(self, principal: Principal, slug: str) -> CodeStats:
        """D8: counts by D5's status at this moment, so they always add up."""
        return self.campaign_stats(self.campaign(principal, slug))

    def campaign_stats(self, campaign: Campaign) -> CodeStats:
        """Each code counted once, by its status now: a revoked batch's codes are all REVOKED;
        else its codes revoked one by one, redeemed, and the rest EXPIRED or ACTIVE by its expiry."""
        counts: Counter[CodeStatus] = Counter()
        now = self.clock.now()
        batches = self.store.batches(campaign)
        for batch in batches:
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
            total_batches=len(batches),
        )

    def verify_code(self, principal: Principal, code: str) -> Verdict:
        """D7: the first of not found, not ACTIVE, campaign ended, campaign not active, valid."""
        now = self.clock.now()
        record = self._find(principal, code)
        if record is None:
            return Verdict(False, None, 0, "", "", False, CODE_NOT_FOUND)
        batch = record.batch
        campaign = batch.campaign
        status = record.status(now)
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
        """D9: redeem once; of concurrent attempts on one code, over every instance, exactly one succeeds."""
        campaign = self.campaign(principal, slug)
        now = self.clock.now()
        record = self._find(principal, code)
        if record is None or record.batch.campaign.id != campaign.id:
            raise NotFound(CODE_NOT_FOUND)
        # A well-formed request that the code's or the campaign's state forbids: a conflict.
        status = record.status(now)
        if status is not CodeStatus.ACTIVE:
            raise Conflict(status_message(status))
        if campaign.has_ended(now):
            raise Conflict(CAMPAIGN_ENDED)
        if not campaign.is_active():
            raise Conflict(CAMPAIGN_NOT_ACTIVE)

        def decide(view: View) -> Decision:
            # Decided again on the store as it is when the write is kept: of two redemptions at
            # once, here or on another instance, the second finds the first's.
            current = view.code(record.digest)
            if current is None or not current.redeemable:
                return False, ()
            return True, (CodeRedeemed(record.digest),)

        if not self.store.write(decide, grouped=True):
            # Someone redeemed or revoked it since it was read: say what it is now.
            current = self.store.code(record.digest)
            raise Conflict(status_message(current.status(now) if current else CodeStatus.REDEEMED))
        return Redemption(code.strip().upper(), user_id, record.batch.points_value, record.batch, now)

    # -- what the dashboard does in the real service (the admin API) -----------------------

    def revoke_code(self, code: str) -> bool:
        """Revoke one code; False if there is no such code."""
        digest = self.digester.digest(code)
        if digest is None:
            return False
        return bool(self.store.write(lambda view: _if(view.code(digest) is not None, CodeRevoked(digest))))

    def revoke_batch(self, batch_id: str) -> bool:
        """Revoke every code of a batch; False if there is no such batch."""
        return bool(self.store.write(lambda view: _if(view.has_batch(batch_id), BatchRevoked(batch_id))))

    def add_partner(self, partner: PartnerSeed) -> None:
        """A partner with its keys and campaigns, for good (until a reset); Conflict if it would
        share a secret, an id or a campaign slug of its environment with one held already."""

        def decide(view: View) -> Decision:
            clash = partner_clash(view, partner)
            if clash is not None:
                raise Conflict(clash)
            return None, (PartnerAdded(partner),)

        self.store.write(decide)

    def campaign_has_ended(self, campaign: Campaign) -> bool:
        return campaign.has_ended(self.clock.now())

    def update_campaign(self, campaign_id: str, status: CampaignStatus, ends_at: datetime | None) -> Campaign:
        """Set a campaign's status and end (what the dashboard does); NotFound if there is none."""
        changed = CampaignChanged(campaign_id, status, ends_at)
        if not self.store.write(lambda view: _if(view.campaign_by_id(campaign_id) is not None, changed)):
            raise NotFound(CAMPAIGN_NOT_FOUND)
        return self.store.campaign_by_id(campaign_id)  # type: ignore[return-value]

    def revoke_key(self, secret: str) -> bool:
        """Revoke the key of that secret: every call with it is then `403 API key has been revoked`."""
        digest = secret_digest(secret)
        return bool(self.store.write(lambda view: _if(view.key(digest) is not None, KeyRevoked(digest))))

    def set_clock(self, instant: datetime) -> None:
        """Make now `instant` (a running clock goes on from there), for every instance of the store."""
        offset = self.clock.offset_to(instant)
        self.store.write(lambda view: (None, (ClockSet(offset),)))
        self.clock.shift(offset)

    def advance_clock(self, by: timedelta) -> None:
        """Move the clock by `by`; moves made at once, here or by other instances, all count."""

        def decide(view: View) -> Decision:
            offset = view.clock_offset() + by
            return offset, (ClockSet(offset),)

        self.clock.shift(self.store.write(decide))

    def has_code(self, code: str) -> bool:
        digest = self.digester.digest(code)
        return digest is not None and self.store.code(digest) is not None

    @property
    def code_count(self) -> int:
        return self.store.code_count()

    # -- internals -------------------------------------------------------------------------

    def _find(self, principal: Principal, code: str) -> CodeRecord | None:
        """The code, if it belongs to the principal's partner and environment (D3, D5)."""
        digest = self.digester.digest(code)
        record = None if digest is None else self.store.code(digest)
        if record is None:
            return None
        owner = record.batch.campaign
        if owner.partner.id != principal.partner.id or owner.environment is not principal.environment:
            return None
        return record

    def _digest_of(self, code: str) -> int:
        digest = self.digester.digest(code)
        if digest is None:
            raise ValueError(f"not a code: {code!r}")
        return digest

    def _sheet_with(
        self, slug: str, size: int, known: Iterable[str], taken: set[int], *, stored: bool
    ) -> tuple[CodeSheet, list[int]]:
        """`size` codes, `known` among them, distinct, none in `taken` nor (if `stored`) in the store."""

        def held(digests: list[int]) -> set[int]:
            return taken.intersection(digests) | (self.store.existing(digests) if stored else set())

        normalised = [code.strip().upper() for code in known]
        codes = dict(zip(self.digester.digests(CodeSheet.of(normalised)), normalised, strict=True))
        if len(codes) != len(normalised) or held(list(codes)):
            raise ValueError("its codes repeat codes already stored")
        while len(codes) < size:
            drawn = self._drawer.draw(slug, size - len(codes))
            more = dict(zip(self.digester.digests(drawn), drawn, strict=True))
            clashes = held(list(more)) | codes.keys() & more.keys()
            for clash in clashes:
                more.pop(clash, None)
            codes.update(more)
        return CodeSheet.of(codes.values()), list(codes)


def _if(condition: bool, event: Event) -> Decision:
    """A write that happens if `condition` holds: whether it did, and its event."""
    return (True, (event,)) if condition else (False, ())


def seed_events(seed: Seed) -> list[Event]:
    """The events that make a new (or reset) store hold the fixtures."""
    return [
        *(PartnerAdded(partner) for partner in seed.partners),
        *seed.batches,
    ]


def gains(view: View, partner: PartnerSeed) -> bool:
    """Whether the store lacks the partner, or one of its keys or campaigns (fixtures that gained
    some since a durable store was made)."""
    return (
        view.partner(partner.partner.id) is None
        or any(view.key(key.secret_sha256) is None for key in partner.keys)
        or any(
            view.campaign(campaign.key) is None and view.campaign_by_id(campaign.id) is None
            for campaign in partner.campaigns
        )
    )


def partner_clash(view: View, partner: PartnerSeed) -> str | None:
    """What a new partner would share with those held (a secret, its id, a campaign's slug in its
    environment, a campaign id), said as the answer's message; None if nothing."""
    if any(view.key(key.secret_sha256) is not None for key in partner.keys):
        return "A secret is in use already"
    if view.partner(partner.partner.id) is not None:
        return "The partner's id is in use already"
    keys = [campaign.key for campaign in partner.campaigns]
    ids = [campaign.id for campaign in partner.campaigns]
    if len(set(keys)) != len(keys) or any(view.campaign(key) is not None for key in keys):
        return "A campaign's slug is in use already in its environment"
    if len(set(ids)) != len(ids) or any(view.campaign_by_id(campaign_id) is not None for campaign_id in ids):
        return "A campaign id is in use already"
    return None
