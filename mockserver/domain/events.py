"""Domain events: every write of the mock, as a record of what happened.

A write is decided by the domain (service.Codes) on what the store holds, and said as events.
Each event class has one encoder (`encode`, and `decode` back), which the SQL stores' log keeps
as it is, and one `apply`, which brings a `State` up to date with it. Every store applies the
same events the same way: the memory store to its state as it writes, a SQL store to its replica
after its log kept them, and again when a process replays the log. So what an event does is
written here, once, and a store only keeps and fetches.

To add a kind of write: a class here, named in EVENTS, and a domain method that decides it
(docs/adding-an-operation.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from .ports import PartnerSeed, State
from .records import ApiKey, Batch, Campaign, CampaignStatus, CodeRecord, Environment, Partner

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class CorruptLog(ValueError):
    """An event that cannot follow the ones before it (a batch of an unknown campaign, say)."""


# A decision: what a write answers, and the events that say it (none: nothing to keep).
Decision = tuple[Any, Sequence["Event"]]


def micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // MICROSECOND


def moment(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + value * MICROSECOND


class Event:
    """A write that happened. `kind` names it in a store's log. Events are never changed once
    made; their dataclasses are not frozen only because frozen ones take four times as long to
    build, and one is built per write."""

    kind: ClassVar[str]

    def encode(self) -> tuple[dict[str, Any], Sequence[int] | None]:
        """Its body as JSON-able values, and the code digests it carries (None for none)."""
        raise NotImplementedError

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> Event:
        raise NotImplementedError

    def apply(self, state: State, sequence: int) -> None:
        """Bring `state` up to date with this event, the `sequence`th the store kept."""
        raise NotImplementedError


@dataclass(slots=True)
class PartnerAdded(Event):
    """A partner with its keys and campaigns; of one held already, the keys and campaigns it lacks
    (fixtures that gained some since a durable store was made)."""

    kind: ClassVar[str] = "partner"
    partner: PartnerSeed

    def encode(self) -> tuple[dict[str, Any], None]:
        seed = self.partner
        return {
            "id": seed.partner.id,
            "name": seed.partner.name,
            "keys": [
                {
                    "sha256": key.secret_sha256.hex(),
                    "environment": key.environment.value,
                    "active": key.application_active,
                    "revoked": key.revoked,
                }
                for key in seed.keys
            ],
            "campaigns": [
                {
                    "id": campaign.id,
                    "environment": campaign.environment.value,
                    "slug": campaign.slug,
                    "name": campaign.name,
                    "status": campaign.status.value,
                    "endsAt": micros(campaign.ends_at),
                }
                for campaign in seed.campaigns
            ],
        }, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> PartnerAdded:
        partner = Partner(body["id"], body["name"])
        keys = tuple(
            ApiKey(
                bytes.fromhex(key["sha256"]),
                partner,
                Environment(key["environment"]),
                key["active"],
                key["revoked"],
            )
            for key in body["keys"]
        )
        campaigns = tuple(
            Campaign(
                id=campaign["id"],
                partner=partner,
                environment=Environment(campaign["environment"]),
                slug=campaign["slug"],
                name=campaign["name"],
                status=CampaignStatus(campaign["status"]),
                ends_at=moment(campaign["endsAt"]),
            )
            for campaign in body["campaigns"]
        )
        return cls(PartnerSeed(partner, keys, campaigns))

    def apply(self, state: State, sequence: int) -> None:
        # Campaigns change in place (CampaignChanged): the state gets copies, the event's own stay.
        known = state.partner(self.partner.partner.id)
        if known is None:
            state.put_partner(self.partner.partner)
        for key in self.partner.keys:
            if state.key(key.secret_sha256) is None:
                state.put_key(key)
        for campaign in self.partner.campaigns:
            if state.campaign(campaign.key) is None and state.campaign_by_id(campaign.id) is None:
                state.put_campaign(dataclasses.replace(campaign))


@dataclass(slots=True)
class BatchAdded(Event):
    """A batch and its codes' digests; of the fixtures' batches, some codes redeemed or revoked."""

    kind: ClassVar[str] = "batch"
    id: str
    campaign_id: str
    batch_size: int
    points_value: int
    label: str | None
    expires_at: datetime | None
    created_at: datetime
    digests: Sequence[int]
    redeemed: frozenset[int] = frozenset()
    revoked: frozenset[int] = frozenset()

    def encode(self) -> tuple[dict[str, Any], Sequence[int]]:
        return {
            "id": self.id,
            "campaignId": self.campaign_id,
            "batchSize": self.batch_size,
            "pointsValue": self.points_value,
            "label": self.label,
            "expiresAt": micros(self.expires_at),
            "createdAt": micros(self.created_at),
            "redeemed": sorted(self.redeemed),
            "revoked": sorted(self.revoked),
        }, self.digests

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> BatchAdded:
        return cls(
            id=body["id"],
            campaign_id=body["campaignId"],
            batch_size=body["batchSize"],
            points_value=body["pointsValue"],
            label=body["label"],
            expires_at=moment(body["expiresAt"]),
            created_at=moment(body["createdAt"]),  # type: ignore[arg-type]
            digests=digests,
            redeemed=frozenset(body["redeemed"]),
            revoked=frozenset(body["revoked"]),
        )

    def apply(self, state: State, sequence: int) -> None:
        campaign = state.campaign_by_id(self.campaign_id)
        if campaign is None:
            raise CorruptLog(f"batch {self.id} of an unknown campaign {self.campaign_id}")
        batch = Batch(
            id=self.id,
            campaign=campaign,
            batch_size=self.batch_size,
            points_value=self.points_value,
            label=self.label,
            expires_at=self.expires_at,
            created_at=self.created_at,
            sequence=sequence,
        )
        if not state.put_batch(batch, self.digests):
            raise CorruptLog(f"batch {self.id}: its codes repeat codes held already")
        for digest in self.redeemed:
            redeem(state, CodeRecord(digest, batch, False, False))
        for digest in self.revoked:
            record = state.code(digest)
            if record is not None:
                revoke(state, record)


@dataclass(slots=True)
class CodeRedeemed(Event):
    kind: ClassVar[str] = "redeem"
    digest: int

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"digest": self.digest}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> CodeRedeemed:
        return cls(body["digest"])

    def apply(self, state: State, sequence: int) -> None:
        record = state.code(self.digest)
        if record is not None and record.redeemable:
            redeem(state, record)


@dataclass(slots=True)
class CodeRevoked(Event):
    kind: ClassVar[str] = "revoke-code"
    digest: int

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"digest": self.digest}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> CodeRevoked:
        return cls(body["digest"])

    def apply(self, state: State, sequence: int) -> None:
        record = state.code(self.digest)
        if record is not None:
            revoke(state, record)


@dataclass(slots=True)
class BatchRevoked(Event):
    """Every code of the batch is REVOKED from now on, whatever was done to it before."""

    kind: ClassVar[str] = "revoke-batch"
    batch_id: str

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"id": self.batch_id}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> BatchRevoked:
        return cls(body["id"])

    def apply(self, state: State, sequence: int) -> None:
        batch = state.batch(self.batch_id)
        if batch is not None:
            batch.revoked = True


@dataclass(slots=True)
class CampaignChanged(Event):
    kind: ClassVar[str] = "campaign"
    campaign_id: str
    status: CampaignStatus
    ends_at: datetime | None

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"id": self.campaign_id, "status": self.status.value, "endsAt": micros(self.ends_at)}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> CampaignChanged:
        return cls(body["id"], CampaignStatus(body["status"]), moment(body["endsAt"]))

    def apply(self, state: State, sequence: int) -> None:
        campaign = state.campaign_by_id(self.campaign_id)
        if campaign is not None:  # in place: its batches refer to it
            campaign.status, campaign.ends_at = self.status, self.ends_at


@dataclass(slots=True)
class KeyRevoked(Event):
    kind: ClassVar[str] = "revoke-key"
    secret_sha256: bytes

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"sha256": self.secret_sha256.hex()}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> KeyRevoked:
        return cls(bytes.fromhex(body["sha256"]))

    def apply(self, state: State, sequence: int) -> None:
        key = state.key(self.secret_sha256)
        if key is not None:
            state.put_key(dataclasses.replace(key, revoked=True))


@dataclass(slots=True)
class ClockSet(Event):
    """The offset of the mock's clock from the system's (shared by every instance of a store)."""

    kind: ClassVar[str] = "clock"
    offset: timedelta

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"offsetMicroseconds": self.offset // MICROSECOND}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> ClockSet:
        return cls(body["offsetMicroseconds"] * MICROSECOND)

    def apply(self, state: State, sequence: int) -> None:
        state.set_clock_offset(self.offset)


@dataclass(slots=True)
class Reset(Event):
    """Nothing kept, the clock's offset nought: the fixtures' events follow it."""

    kind: ClassVar[str] = "reset"

    def encode(self) -> tuple[dict[str, Any], None]:
        return {}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> Reset:
        return cls()

    def apply(self, state: State, sequence: int) -> None:
        state.clear()


EVENTS: dict[str, type[Event]] = {
    event.kind: event
    for event in (
        PartnerAdded,
        BatchAdded,
        CodeRedeemed,
        CodeRevoked,
        BatchRevoked,
        CampaignChanged,
        KeyRevoked,
        ClockSet,
        Reset,
    )
}


# -- what an event does to a code's counts, shared by the events above -------------------------


def redeem(state: State, record: CodeRecord) -> None:
    state.mark_redeemed(record.digest)
    record.batch.redeemed_count += 1


def revoke(state: State, record: CodeRecord) -> None:
    """Revoked beats redeemed: a redeemed code revoked counts as revoked, and no more as redeemed.
    A code of a revoked batch is revoked already (the batch says so), and counts once."""
    if record.revoked or record.batch.revoked:
        return
    state.mark_revoked(record.digest)
    record.batch.revoked_count += 1
    if record.redeemed:
        record.batch.redeemed_count -= 1
