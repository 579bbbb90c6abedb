"""Property-based tests of the domain: `Codes` driven by hypothesis, no HTTP, over each store.

A rule-based state machine runs random sequences of generate, list, stats, verify and redeem
calls, with clock moves (backwards too) between them, against a small model of what must hold:
codes unique across the whole mock, counts that follow every batch, listings newest first.
Its randomness draws only 3 of the 31 code characters, so codes collide all the time and the
uniqueness of codes has to work for it, in each store.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)
from stores_kit import domain, fresh_store

from mockserver.domain.clock import Clock
from mockserver.domain.codes import Randomness
from mockserver.domain.errors import Conflict
from mockserver.domain.records import CodeStatus
from mockserver.domain.service import Codes

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# (secret, slug): the campaigns the machine writes to, of two partners and both environments.
CAMPAIGNS = [
    ("sk_test_acme_mock_secret", "summer-promo"),  # active, with the docs' two batches
    ("sk_test_acme_mock_secret", "spring-launch"),  # paused: generate yes, redeem no
    ("sk_live_acme_mock_secret", "summer-promo"),  # same slug, other environment
    ("sk_test_globex_mock_secret", "winter-sale"),  # other partner
]
REDEEMABLE = {0, 2, 3}  # indexes of the active campaigns


class FewCharacters(Randomness):
    """Seeded bytes 0, 1 and 2 only: codes use 3 characters, 3**8 codes per prefix."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed)
        draw = random.Random(seed).choices
        self.token_bytes = lambda n: bytes(draw(b"\x00\x01\x02", k=n))


@dataclass
class Model:
    """What the machine has done to each campaign, in creation order."""

    batches: dict[int, list[tuple[datetime, int, str, int]]] = field(default_factory=dict)
    codes: dict[str, tuple[int, int]] = field(default_factory=dict)  # code -> (campaign, points)
    redeemed: set[str] = field(default_factory=set)
    created: int = 0


class DomainMachine(RuleBasedStateMachine):
    codes = Bundle("codes")
    store_kind = "memory"

    @initialize(seed=st.integers(0, 2**32), few_characters=st.booleans())
    def start(self, seed: int, few_characters: bool) -> None:
        randomness = FewCharacters(seed) if few_characters else Randomness(seed)
        self.resources = contextlib.ExitStack()
        folder = Path(self.resources.enter_context(tempfile.TemporaryDirectory()))
        url = self.resources.enter_context(fresh_store(self.store_kind, folder))
        self.backend: Codes = domain(url, clock=Clock(START), randomness=randomness)
        self.resources.callback(self.backend.store.close)
        self.principals = [self.backend.authenticate(secret) for secret, _ in CAMPAIGNS]
        self.fixture_codes = self.backend.code_count
        self.fixture_batches = [self.listing(i) for i in range(len(CAMPAIGNS))]
        self.fixture_stats = [
            self.backend.get_code_stats(principal, slug)
            for principal, (_, slug) in zip(self.principals, CAMPAIGNS, strict=True)
        ]
        self.model = Model(batches={i: [] for i in range(len(CAMPAIGNS))})

    def listing(self, campaign: int, page: int = 1, limit: int = 10_000) -> list[str]:
        found = self.backend.list_batches(self.principals[campaign], CAMPAIGNS[campaign][1], page, limit)
        return [batch.id for batch in found.batches]

    def expected_listing(self, campaign: int) -> list[str]:
        """Newest first: createdAt descending, the later-created first on equal instants."""
        made = sorted(self.model.batches[campaign], key=lambda batch: (batch[0], batch[1]), reverse=True)
        return [batch_id for _, _, batch_id, _ in made] + self.fixture_batches[campaign]

    @rule(target=codes, campaign=st.integers(0, 3), size=st.integers(1, 40), points=st.integers(1, 10**6))
    def generate(self, campaign: int, size: int, points: int) -> object:
        slug = CAMPAIGNS[campaign][1]
        made = self.backend.generate_codes(self.principals[campaign], slug, size, points)
        assert len(made.codes) == len(set(made.codes)) == size
        assert not set(made.codes) & self.model.codes.keys(), "a code was handed out twice"
        assert all(code.startswith(slug[:4].upper() + "-") for code in made.codes)
        self.model.created += 1
        self.model.batches[campaign].append((made.batch.created_at, self.model.created, made.batch.id, size))
        self.model.codes.update(dict.fromkeys(made.codes, (campaign, points)))
        return multiple(*made.codes[:5])  # a few of each batch for verify and redeem

    @rule(seconds=st.integers(-3 * 86400, 3 * 86400))
    def move_clock(self, seconds: int) -> None:
        self.backend.advance_clock(timedelta(seconds=seconds))

    @rule(campaign=st.integers(0, 3), page=st.integers(1, 6), limit=st.integers(1, 7))
    def list_a_page(self, campaign: int, page: int, limit: int) -> None:
        expected = self.expected_listing(campaign)
        found = self.backend.list_batches(self.principals[campaign], CAMPAIGNS[campaign][1], page, limit)
        assert found.total == len(expected)
        assert [batch.id for batch in found.batches] == expected[(page - 1) * limit : page * limit]

    @rule(code=codes, spelling=st.sampled_from([str, str.lower, lambda code: f"  {code}\t"]))
    def verify(self, code: str, spelling: Callable[[str], str]) -> None:
        campaign, points = self.model.codes[code]
        verdict = self.backend.verify_code(self.principals[campaign], spelling(code))
        status = CodeStatus.REDEEMED if code in self.model.redeemed else CodeStatus.ACTIVE
        assert (verdict.status, verdict.points_value) == (status, points)
        other = self.principals[(campaign + 2) % len(CAMPAIGNS)]  # another partner or environment
        assert self.backend.verify_code(other, code).status is None

    @rule(code=codes, user=st.text(min_size=1, max_size=5))
    def redeem(self, code: str, user: str) -> None:
        campaign, points = self.model.codes[code]
        redeem = self.backend.redeem_code
        principal, slug = self.principals[campaign], CAMPAIGNS[campaign][1]
        if code in self.model.redeemed:
            message = "Code status is REDEEMED"
        elif campaign not in REDEEMABLE:
            message = "Campaign is not active"
        else:
            assert redeem(principal, slug, code, user).points_awarded == points
            self.model.redeemed.add(code)
            return
        try:
            redeem(principal, slug, code, user)
        except Conflict as error:  # D9: the code's or the campaign's state forbids it
            assert error.message == message
        else:
            raise AssertionError(f"redeeming {code} again or in a paused campaign succeeded")

    @invariant()
    def codes_are_counted_once_each(self) -> None:
        assert self.backend.code_count == self.fixture_codes + len(self.model.codes)

    @invariant()
    def listings_are_newest_first_and_complete(self) -> None:
        for campaign in range(len(CAMPAIGNS)):
            assert self.listing(campaign) == self.expected_listing(campaign)

    @invariant()
    def stats_add_up_and_follow_the_batches(self) -> None:
        for campaign, (_, slug) in enumerate(CAMPAIGNS):
            stats = self.backend.get_code_stats(self.principals[campaign], slug)
            parts = stats.active_codes + stats.redeemed_codes + stats.expired_codes + stats.revoked_codes
            made = self.model.batches[campaign]
            assert stats.total_codes == parts
            assert stats.total_batches == len(made) + len(self.fixture_batches[campaign])
            redeemed = sum(1 for code in self.model.redeemed if self.model.codes[code][0] == campaign)
            before = self.fixture_stats[campaign]
            assert stats.redeemed_codes == before.redeemed_codes + redeemed
            assert stats.total_codes - before.total_codes == sum(batch[3] for batch in made)

    def teardown(self) -> None:
        if hasattr(self, "resources"):
            self.resources.close()


def machine_on(kind: str, examples: int) -> type[RuleBasedStateMachine]:
    """The machine over a fresh store of `kind` for each example."""
    machine = type(f"DomainMachineOn{kind.title()}", (DomainMachine,), {"store_kind": kind})
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    return machine


# The memory store is the quickest to set up: it gets the most examples.
TestDomainOnMemory = machine_on("memory", 60).TestCase
TestDomainOnSqlite = machine_on("sqlite", 25).TestCase
TestDomainOnPostgresql = machine_on("postgresql", 15).TestCase
