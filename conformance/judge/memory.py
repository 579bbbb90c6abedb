"""What the judge remembers of the traffic it saw: codes and their batches, redemptions, counts,
the target's clock, and what sources declared.

It remembers only what answers showed, and it never assumes it saw everything: another client
may generate, redeem or list at any time. Only a source that knows more says so: the active run
declares the codes it generated its own (nobody else was handed them) and the stretches of
traffic in which nothing else touches its campaign (windows).
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .contract import Documented
from .exchange import Exchange
from .instants import parse_instant
from .roles import Roles, environment_of

# How far the target's clock may be from where the judge thinks it is. An answer is written some
# time between the request and the reply (half the round trip either way, and this much more);
# instants are sent in whole seconds, cut down, so the target may be up to a second later still.
CLOCK_JITTER = 0.25
TRUNCATION = 1.0
READINGS_KEPT = 16  # earlier count readings each new one is held against


@dataclass(eq=False)
class Batch:
    """A batch the judge saw generated, as the answer described it."""

    id: str
    slug: str
    secret: str | None  # whose request generated it
    points: object  # batch.pointsValue as answered
    size: int
    expires_at: datetime | None
    created_at: datetime | None
    fields: dict[str, object]  # the batch object of the answer, for comparing with listings
    exchange: int  # the index of the generate exchange
    started: float  # when it was asked for
    ended: float  # when its answer came
    own: bool  # its codes were handed to this traffic only (the active run's)
    window: int | None

    @property
    def environment(self) -> str | None:
        return environment_of(self.secret)


@dataclass(frozen=True)
class Redemption:
    """A redemption answered with a 2xx."""

    code: str
    batch: Batch | None  # the code's batch, when the judge saw it generated
    exchange: int
    started: float
    ended: float
    secret: str | None
    window: int | None


@dataclass(frozen=True)
class Place:
    """What one place of a campaign's list showed, and in which exchange."""

    batch: str
    created_at: object
    exchange: int
    started: float


@dataclass(frozen=True)
class Reading:
    """Counts of a campaign as one answer gave them (a list's total, or stats)."""

    secret: str | None
    slug: str
    exchange: int
    started: float
    ended: float
    window: int | None
    batches: int | None
    codes: dict[str, int]  # the stats' five code counts; {} for a list


@dataclass
class Memory:
    """What the judge knows: whose secrets, the documented contract, and what the traffic showed."""

    roles: Roles
    documented: Documented
    # Slugs sources declared: --ended-slug, --paused-slug, --foreign-slug, and ones a probe made up.
    slugs: dict[str, str] = field(default_factory=dict)  # slug -> ended, paused, foreign or made-up
    made_up_codes: set[str] = field(default_factory=set)
    reached: set[tuple[str | None, str]] = field(default_factory=set)  # (secret, slug) answered a 2xx
    redeemable: set[str] = field(default_factory=set)  # codes verify last called valid
    batches: dict[str, Batch] = field(default_factory=dict)
    codes: dict[str, Batch] = field(default_factory=dict)  # every code seen generated, as generated
    redemptions: dict[str, Redemption] = field(default_factory=dict)  # the first 2xx redemption seen
    redeemed_in: dict[str, list[Redemption]] = field(default_factory=lambda: defaultdict(list))  # by slug
    # Per (secret, slug): the batches it saw that secret generate (by when they were asked for, and
    # when each answer came, sorted), and the counts it read.
    generated: dict[tuple[str | None, str], list[Batch]] = field(default_factory=lambda: defaultdict(list))
    generated_ends: dict[tuple[str | None, str], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    readings: dict[tuple[str | None, str], list[Reading]] = field(default_factory=lambda: defaultdict(list))
    # Per (secret, slug, total): what each place of the list (0 first) showed, whatever page and limit.
    places: dict[tuple[str | None, str, int], dict[int, Place]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # The target's clock: its instant minus ours, from the latest createdAt, and how sure.
    clock_offset: float | None = None
    clock_slack: float = CLOCK_JITTER  # the target is no earlier than offset - slack
    # A source that is the sole client of its campaigns makes its whole traffic one window.
    whole_window: int | None = None
    # Requests a source saw go out and has not handed over yet: index -> when each started.
    in_flight: dict[int, float] = field(default_factory=dict)
    # code -> (index, end) of the first verify that said it was REDEEMED
    verified_redeemed: dict[str, tuple[int, float]] = field(default_factory=dict)
    _windows: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- remembering ------------------------------------------------------------------------

    def remember_batch(self, exchange: Exchange, own: bool) -> Batch | None:
        """The batch and codes of a successful generate answer; None when it shows none."""
        data, asked = exchange.data, exchange.sent
        batch, codes = data.get("batch"), data.get("codes")
        if not isinstance(batch, dict) or not isinstance(codes, list):
            return None
        created_at = _instant(batch.get("createdAt"))
        if created_at is not None:
            self.read_clock(created_at, exchange)
        slug = asked.get("slug")
        remembered = Batch(
            id=str(batch.get("id", "")),
            slug=slug if isinstance(slug, str) else "",
            secret=exchange.secret,
            points=batch.get("pointsValue"),
            size=len(codes),
            expires_at=_instant(batch.get("expiresAt")),
            created_at=created_at,
            fields=dict(batch),
            exchange=exchange.index,
            started=exchange.started,
            ended=exchange.ended,
            own=own,
            window=self.window_of(exchange),
        )
        first = self.batches.setdefault(remembered.id, remembered)
        if first is not remembered and (first.started, first.ended) == (exchange.started, exchange.ended):
            return first  # the same exchange seen twice (a recording given twice): one batch
        key = (exchange.secret, remembered.slug)
        bisect.insort(self.generated[key], remembered, key=_started)
        bisect.insort(self.generated_ends[key], remembered.ended)
        for code in codes:
            if isinstance(code, str):
                self.codes.setdefault(code, remembered)
        return remembered

    def remember_redemption(self, code: str, slug: str, exchange: Exchange) -> None:
        redemption = Redemption(
            code,
            self.codes.get(code),
            exchange.index,
            exchange.started,
            exchange.ended,
            exchange.secret,
            self.window_of(exchange),
        )
        self.redemptions.setdefault(code, redemption)
        self.redeemed_in[slug].append(redemption)

    def remember_listing(self, exchange: Exchange) -> None:
        """The places a successful list answer showed, by its own page, limit and total."""
        data, slug = exchange.data, exchange.query.get("slug")
        total, page, limit, batches = (data.get(name) for name in ("total", "page", "limit", "batches"))
        if slug is None or not all(type(value) is int for value in (total, page, limit)):
            return
        places = self.places[(exchange.secret, slug, total)]  # type: ignore[index]
        for offset, batch in enumerate(batches if isinstance(batches, list) else ()):
            if isinstance(batch, dict):
                place = (page - 1) * limit + offset  # type: ignore[operator]
                places.setdefault(
                    place,
                    Place(str(batch.get("id")), batch.get("createdAt"), exchange.index, exchange.started),
                )

    def remember_reading(self, reading: Reading) -> None:
        """Keep a count; only the latest few of each campaign and secret are held against new ones."""
        earlier = self.readings[(reading.secret, reading.slug)]
        earlier.append(reading)
        del earlier[:-READINGS_KEPT]

    def new_window(self) -> int:
        return next(self._windows)

    def window_of(self, exchange: Exchange) -> int | None:
        """The window an exchange was sent in: its source's, or the whole traffic's of a sole client."""
        return exchange.notes.get("window", self.whole_window)

    # -- the target's clock -----------------------------------------------------------------

    def read_clock(self, instant: datetime, exchange: Exchange) -> None:
        """An instant the target wrote while answering `exchange` (a batch's createdAt)."""
        middle = (exchange.started + exchange.ended) / 2
        self.clock_offset = instant.timestamp() - middle
        self.clock_slack = CLOCK_JITTER + (exchange.ended - exchange.started) / 2

    def target_time(self, moment: float) -> float | None:
        """Our instant `moment` on the target's clock; None before any reading."""
        return None if self.clock_offset is None else moment + self.clock_offset

    def expired_at(self, batch: Batch, exchange: Exchange) -> bool | None:
        """Whether the batch's codes had expired when `exchange` was answered: True, False, or None
        when the judge cannot tell (no expiry known, no clock yet, or too close to call)."""
        if batch.expires_at is None:
            return False
        start, end = self.target_time(exchange.started), self.target_time(exchange.ended)
        if start is None or end is None:
            return None
        expiry = batch.expires_at.timestamp()
        if start - self.clock_slack > expiry:
            return True
        if end + self.clock_slack + TRUNCATION < expiry:
            return False
        return None

    def surely_before(self, moment: float, instant: float) -> bool:
        """Whether our `moment` is surely before `instant` of the target's clock."""
        target = self.target_time(moment)
        return target is not None and target + self.clock_slack + TRUNCATION < instant

    def surely_after(self, moment: float, instant: float) -> bool:
        """Whether our `moment` is surely after `instant` of the target's clock."""
        target = self.target_time(moment)
        return target is not None and target - self.clock_slack > instant

    # -- what was seen ------------------------------------------------------------------------

    def state_of(self, slug: object) -> str | None:
        """What a source declared of a campaign: ended, paused, foreign or made-up; None: nothing."""
        return self.slugs.get(slug) if isinstance(slug, str) else None

    def made_up(self, code: object) -> bool:
        return isinstance(code, str) and code in self.made_up_codes

    def reaches(self, secret: str | None, slug: object) -> bool:
        """Whether the secret was answered a 2xx for the campaign `slug` before."""
        return isinstance(slug, str) and (secret, slug) in self.reached

    def target_now(self, exchange: Exchange) -> datetime | None:
        moment = self.target_time(exchange.started)
        return None if moment is None else datetime.fromtimestamp(moment, UTC)

    def batch_of(self, code: object) -> Batch | None:
        return self.codes.get(code) if isinstance(code, str) else None

    def redeemed(self, code: object, before: Exchange) -> Redemption | None:
        """The redemption of `code` seen to end before `before` started."""
        redemption = self.redemptions.get(code) if isinstance(code, str) else None
        return redemption if redemption is not None and redemption.ended <= before.started else None


def _started(batch: Batch) -> float:
    return batch.started


def _instant(value: object) -> datetime | None:
    try:
        return parse_instant(value).astimezone(UTC)
    except ValueError:
        return None
