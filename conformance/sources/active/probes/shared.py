"""What several probes need once per run: fresh codes, codes of other campaigns, expired codes, and
codes, secrets and slugs nobody has (the judge is told so)."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ....judge import Exchange
from ....judge.checks.verify import CAMPAIGN_ENDED, CAMPAIGN_NOT_ACTIVE
from ....judge.instants import format_instant
from ....judge.operations import Operation
from ....judge.roles import SECRET_PREFIXES
from ...settings import BY_INPUT, Settings
from ..target import Target
from ._registry import Skip

# The generate page's format: 4 characters of the slug, a hyphen, 8 of a reduced charset.
PREFIX_LENGTH, RANDOM_LENGTH = 4, 8
RANDOM_CHARACTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# An expiry no clock in use can be before, for targets that take one in the past.
LONG_AGO = "2000-01-01T00:00:00Z"
# Otherwise an expiry this far ahead of the target's clock, and how long to wait past it.
SOON = timedelta(seconds=3)
EXPIRY_MARGIN = 1.5  # seconds waited past SOON: the target's clock is read in whole seconds


def made_up_code(target: Target, slug: str) -> str:
    """A code of `slug`'s format that nobody was handed (one chance in 31^8 of hitting one)."""
    random_part = "".join(secrets.choice(RANDOM_CHARACTERS) for _ in range(RANDOM_LENGTH))
    code = f"{slug[:PREFIX_LENGTH].upper()}-{random_part}"
    target.judge.made_up(code=code)
    return code


def made_up_secret(target: Target) -> str:
    """A secret of --api-secret's environment that no partner holds."""
    own = target.settings.api_secret or ""
    prefix = next((prefix for prefix in SECRET_PREFIXES if own.startswith(prefix)), "sk_test_")
    secret = f"{prefix}{uuid.uuid4().hex}"
    target.judge.made_up(secret=secret)
    return secret


def made_up_slug(target: Target) -> str:
    slug = f"conformance-unknown-{uuid.uuid4().hex[:12]}"
    target.judge.made_up(slug=slug)
    return slug


def codes_of(exchange: Exchange) -> list[str]:
    """The codes of a successful generate answer; Skip when there are none (the judge has said why)."""
    codes = exchange.data.get("codes")
    if (
        not exchange.succeeded
        or not isinstance(codes, list)
        or not codes
        or not all(isinstance(c, str) for c in codes)
    ):
        raise Skip(f"precondition failed: generate answered {exchange.describe_answer(120)}, with no codes")
    return codes


def require_active_campaign(verdict: Exchange, slug: str) -> None:
    """Skip, as a failed precondition, when verify says --slug is paused, a draft or over.

    The docs make 'Campaign is not active' and 'Campaign has ended' right answers for a code of
    such a campaign, and the suite cannot know the state of a deployment's campaign: whoever runs
    it must point --slug at an active one.
    """
    message = verdict.data.get("message")
    if verdict.status == 200 and message in (CAMPAIGN_NOT_ACTIVE, CAMPAIGN_ENDED):
        raise Skip(
            f"precondition failed: verify of a fresh code of {slug} answered {message!r}; "
            "this probe needs --slug to be an active campaign",
            needs="--slug of an active campaign",
        )


@dataclass(frozen=True)
class ExpiredBatch:
    codes: list[str]
    expires_at: str  # as sent
    how: str  # how the suite made it, for messages


@dataclass
class Context:
    """What a probe works with: the target, the run's settings, and what probes share."""

    target: Target
    settings: Settings
    shared: Shared
    operation: Operation

    def require(self, *names: str) -> Any:
        """The values of these inputs (Settings fields); Skip naming the first one not given."""
        values = [getattr(self.settings, name) for name in names]
        for name, value in zip(names, values, strict=True):
            item = BY_INPUT[name]
            if not value:
                raise Skip(f"no {item.option} given", needs=item.option)
            if name in self.shared.unusable:
                raise Skip(self.shared.unusable[name], needs=f"a {item.option} the target takes")
        return values[0] if len(values) == 1 else values


class Shared:
    """Run-wide helpers of the probes; safe to call from several threads."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._campaign_codes: dict[str, str | Skip] = {}
        self._expired: ExpiredBatch | Skip | None = None
        # Inputs the preflight found the target does not take (a mistyped key): why, by input name.
        self.unusable: dict[str, str] = {}

    def fresh_code(self, points_value: int = 1, batch_size: int = 1) -> str:
        """A code of a new batch of --slug, worth `points_value` and without expiry."""
        size = min(batch_size, self.target.settings.max_batch_size)
        return codes_of(self.target.generate(batchSize=size, pointsValue=points_value))[0]

    def redeemable_code(self, points_value: int = 1) -> str:
        """A fresh code that verify calls redeemable; Skip when --slug is not active."""
        code = self.fresh_code(points_value)
        require_active_campaign(self.target.verify(code), self.target.settings.slug or "")
        return code

    def redeemed_code(self, points_value: int = 1) -> str:
        """A fresh code the target redeemed; Skip when it would not (the redeem body is inferred)."""
        code = self.redeemable_code(points_value)
        exchange = self.target.redeem(code)
        if not exchange.succeeded:
            raise Skip(
                "precondition failed: the target did not redeem a fresh code with the inferred body "
                f"{{code, userId}}: it answered {exchange.describe_answer(120)}"
            )
        return code

    def campaign_code(self, slug: str, state: str) -> str:
        """A code of the campaign `slug` (ended or paused); Skip when the target will not generate one."""
        with self._lock:
            if slug not in self._campaign_codes:
                exchange = self.target.generate(slug=slug)
                if exchange.succeeded:
                    self._campaign_codes[slug] = codes_of(exchange)[0]
                else:
                    self._campaign_codes[slug] = Skip(
                        f"the target refuses to generate codes for the {state} campaign {slug} "
                        f"(it answered {exchange.describe_answer(120)}), so the suite has none to check"
                    )
            found = self._campaign_codes[slug]
        if isinstance(found, Skip):
            raise found
        return found

    def expired_batch(self) -> ExpiredBatch:
        """Two codes of --slug past their batch's expiresAt, made once for the probes that share them."""
        with self._lock:
            if self._expired is None:
                try:
                    self._expired = self.make_expired_batch()
                except Skip as stop:
                    self._expired = stop
            found = self._expired
        if isinstance(found, Skip):
            raise found
        return found

    def target_now(self) -> datetime:
        """The target's clock, from the createdAt of a batch (generating one if none was seen yet)."""
        memory = self.target.judge.memory
        if memory.clock_offset is None:
            self.target.generate()
        moment = memory.target_time(time.time())
        if moment is None:
            raise Skip("the target's clock could not be read from a batch's createdAt")
        return datetime.fromtimestamp(moment).astimezone()

    def make_expired_batch(self, between: Callable[[], None] | None = None) -> ExpiredBatch:
        """Two codes of --slug past their batch's expiresAt: set in the past if the target takes
        that, else a few seconds ahead of its clock, then waited for (calling `between` first)."""
        target = self.target
        past = target.generate(batchSize=2, pointsValue=3, expiresAt=LONG_AGO)
        if past.succeeded:
            return ExpiredBatch(codes_of(past), LONG_AGO, f"generated with expiresAt {LONG_AGO}")
        # The target refuses an expiry in the past (its right): one a few seconds ahead of its clock.
        expires_at = format_instant(self.target_now() + SOON)
        started = time.monotonic()
        soon = target.generate(batchSize=2, pointsValue=3, expiresAt=expires_at)
        if not soon.succeeded:
            raise Skip(
                f"the target refuses expiresAt {LONG_AGO} and {expires_at} "
                f"(it answered {soon.describe_answer(120)}), so the suite cannot make codes expire"
            )
        codes = codes_of(soon)
        if between is not None:
            between()
        # Its clock moves as ours does: past expiresAt once SOON and a margin have gone by here.
        time.sleep(max(0.0, SOON.total_seconds() + EXPIRY_MARGIN - (time.monotonic() - started)))
        return ExpiredBatch(codes, expires_at, f"generated to expire at {expires_at}, and waited for")
