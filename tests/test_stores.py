"""The storage port, held to one contract on every store: memory, SQLite and PostgreSQL.

A store only keeps and fetches; these tests call it directly (and through the domain where the
domain's redrawing is the subject), with digests chosen by the test.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from stores_kit import domain

from mockserver.domain.clock import Clock
from mockserver.domain.codes import Randomness
from mockserver.domain.ports import PartnerSeed, Store
from mockserver.domain.records import (
    ApiKey,
    Campaign,
    CampaignKey,
    CampaignStatus,
    CodeStatus,
    Environment,
    NewBatch,
    Partner,
    secret_digest,
)
from mockserver.domain.service import Codes
from mockserver.stores import memory
from mockserver.stores.memory import CodeIndex

pytestmark = pytest.mark.every_store

NOON = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def codes(store_url: str) -> Iterator[Codes]:
    made = domain(store_url, clock=Clock(frozen_at=NOON), randomness=Randomness(3))
    yield made
    made.store.close()


@pytest.fixture
def store(codes: Codes) -> Store:
    return codes.store


@pytest.fixture
def campaign(codes: Codes) -> Campaign:
    return codes.campaign(codes.authenticate("sk_test_acme_mock_secret"), "summer-promo")


def new_batch(
    campaign: Campaign,
    number: int,
    digests: list[int],
    created_at: datetime = NOON,
    expires_at: datetime | None = None,
) -> NewBatch:
    return NewBatch(campaign, f"batch-{number}", len(digests), 10, None, expires_at, created_at, digests)


def digests(start: int, count: int) -> list[int]:
    """`count` digests over the whole 64-bit range (the top bit set for half of them)."""
    return [(start + i) * 0x9E37_79B9_7F4A_7C15 % (1 << 64) for i in range(count)]


def test_every_code_finds_its_batch_and_nothing_else_does(store: Store, campaign: Campaign) -> None:
    before = store.code_count()
    made = {n: digests(1000 * n, size) for n, size in enumerate([1, 50, 7, 300])}
    batches = {n: store.add_batch(new_batch(campaign, n, d)) for n, d in made.items()}
    assert store.code_count() == before + 358
    for n, batch_digests in made.items():
        batch = batches[n]
        assert batch is not None
        for digest in batch_digests:
            record = store.code(digest)
            assert record is not None and record.batch.id == f"batch-{n}"
            assert (record.redeemed, record.revoked) == (False, False)
    assert store.code(12345) is None and store.code((1 << 64) - 1) is None
    assert store.existing([made[1][0], 12345, made[3][-1]]) == {made[1][0], made[3][-1]}


def listed(store: Store, campaign: Campaign) -> list[tuple[str, int, int, int]]:
    page, _ = store.batch_page(campaign, 0, 100)
    return [(batch.id, batch.batch_size, batch.redeemed_count, batch.revoked_count) for batch in page]


def test_a_batch_with_a_digest_held_already_is_kept_not_at_all(store: Store, campaign: Campaign) -> None:
    first = digests(1, 10)
    assert store.add_batch(new_batch(campaign, 1, first)) is not None
    count, page = store.code_count(), listed(store, campaign)
    clashing = [*digests(500, 9), first[4]]
    assert store.add_batch(new_batch(campaign, 2, clashing)) is None
    repeating = [*digests(800, 9), 800 * 0x9E37_79B9_7F4A_7C15 % (1 << 64)]  # its first, twice
    assert store.add_batch(new_batch(campaign, 3, repeating)) is None
    assert store.code_count() == count and listed(store, campaign) == page
    assert store.code(clashing[0]) is None and store.code(repeating[1]) is None
    assert store.code(first[4]).batch.id == "batch-1"  # type: ignore[union-attr]


def test_a_page_is_newest_first_by_created_at_then_by_creation(store: Store, campaign: Campaign) -> None:
    _, fixtures = store.batch_page(campaign, 0, 100)
    instants = [NOON, NOON + timedelta(hours=1), NOON - timedelta(days=400), NOON + timedelta(hours=1), NOON]
    for n, instant in enumerate(instants):
        store.add_batch(new_batch(campaign, n, digests(100 * (n + 1), 2), created_at=instant))
    page, total = store.batch_page(campaign, 0, 100)
    assert total == fixtures + 5
    ours = [batch.id for batch in page if batch.id.startswith("batch-")]
    assert ours == ["batch-3", "batch-1", "batch-4", "batch-0", "batch-2"]
    assert [b.id for b in store.batch_page(campaign, 1, 2)[0]] == [b.id for b in page[1:3]]
    assert store.batch_page(campaign, total, 10) == ([], total)
    assert store.batch_page(campaign, 10**9, 10) == ([], total)


def test_a_redeem_read_before_another_redeem_finds_it_redeemed(store: Store, campaign: Campaign) -> None:
    batch_digests = digests(7, 3)
    store.add_batch(new_batch(campaign, 1, batch_digests))
    record = store.code(batch_digests[0])
    assert record is not None
    assert store.redeem(record) is True
    assert store.redeem(record) is False  # `record` still says not redeemed: the store knows better
    assert store.code(batch_digests[0]).redeemed is True  # type: ignore[union-attr]
    other = store.code(batch_digests[1])
    assert other is not None and store.revoke_code(batch_digests[1]) is True
    assert store.redeem(other) is False
    last = store.code(batch_digests[2])
    assert last is not None and store.revoke_batch("batch-1") is True
    assert store.redeem(last) is False


def test_tallies_count_each_batch_by_its_state_at_the_moment(store: Store, campaign: Campaign) -> None:
    fixtures = {(t.revoked, t.expired): t for t in store.tallies(campaign, NOON)}
    store.add_batch(new_batch(campaign, 1, digests(10, 4), expires_at=NOON + timedelta(days=1)))
    store.add_batch(new_batch(campaign, 2, digests(20, 6)))
    first = store.code(digests(10, 1)[0])
    assert first is not None and store.redeem(first)
    assert store.revoke_code(digests(20, 1)[0])

    def ours(now: datetime) -> dict[tuple[bool, bool], tuple[int, ...]]:
        found = {}
        for tally in store.tallies(campaign, now):
            base = fixtures.get((tally.revoked, tally.expired))
            minus = (base.batches, base.codes, base.redeemed, base.revoked_codes) if base else (0, 0, 0, 0)
            counts = (tally.batches, tally.codes, tally.redeemed, tally.revoked_codes)
            found[(tally.revoked, tally.expired)] = tuple(a - b for a, b in zip(counts, minus, strict=True))
        return {key: value for key, value in found.items() if any(value)}

    assert ours(NOON) == {(False, False): (2, 10, 1, 1)}
    later = ours(NOON + timedelta(days=2))  # batch-1 has expired by then
    assert later[(False, True)][:3] == (1, 4, 1)
    assert store.revoke_batch("batch-2") is True
    assert ours(NOON)[(True, False)] == (1, 6, 0, 1)


def test_partners_campaigns_and_keys_change_and_clash(store: Store, campaign: Campaign) -> None:
    hooli = Partner("p-hooli", "Hooli")
    secret = secret_digest("sk_test_hooli_1")
    nucleus = Campaign("c-nucleus", hooli, Environment.TEST, "nucleus", "Nucleus", CampaignStatus.ACTIVE)
    seed = PartnerSeed(hooli, (ApiKey(secret, hooli, Environment.TEST, True, False),), (nucleus,))
    store.add_partner(seed)
    assert store.key(secret).partner == hooli  # type: ignore[union-attr]
    found = store.campaign(CampaignKey("p-hooli", Environment.TEST, "nucleus"))
    assert found is not None and (found.id, found.name, found.partner) == ("c-nucleus", "Nucleus", hooli)
    assert any(found.partner == hooli for found in store.partners())
    with pytest.raises(ValueError, match="in use already"):
        store.add_partner(seed)
    ended = store.update_campaign("c-nucleus", CampaignStatus.ENDED, NOON)
    assert ended is not None and (ended.status, ended.ends_at) == (CampaignStatus.ENDED, NOON)
    assert store.campaign_by_id("c-nucleus").status is CampaignStatus.ENDED  # type: ignore[union-attr]
    assert store.update_campaign("no-such-campaign", CampaignStatus.ACTIVE, None) is None
    assert store.revoke_key(secret) is True and store.key(secret).revoked is True  # type: ignore[union-attr]
    assert store.revoke_key(secret_digest("sk_nobody")) is False


def test_the_clock_offset_is_set_and_shifted(store: Store) -> None:
    store.set_clock_offset(timedelta(days=-3, microseconds=7))
    assert store.shift_clock(timedelta(hours=5)) == timedelta(days=-3, hours=5, microseconds=7)
    assert store.clock_offset() == timedelta(days=-3, hours=5, microseconds=7)
    far = datetime(8999, 12, 31, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    store.set_clock_offset(far)
    assert store.clock_offset() == far


class FewBytes(Randomness):
    """Bytes 0, 1 and 2 only: 3**8 codes per prefix, so draws repeat stored codes and themselves
    (the fixtures' 150 summer-promo codes are drawn from it too)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed)
        stream = random.Random(seed)
        self.token_bytes = lambda n: bytes(stream.randrange(3) for _ in range(n))


def test_draws_that_repeat_stored_codes_or_themselves_are_drawn_again(store_url: str) -> None:
    codes = domain(store_url, clock=Clock(frozen_at=NOON), randomness=FewBytes(5))
    try:
        principal = codes.authenticate("sk_test_acme_mock_secret")
        first = list(codes.generate_codes(principal, "summer-promo", 100, 1).codes)
        second = list(codes.generate_codes(principal, "summer-promo", 100, 1).codes)
        assert len(set(first) | set(second)) == 200
        statuses = {codes.verify_code(principal, code).status for code in first + second}
        assert statuses == {CodeStatus.ACTIVE}
        ours = [
            b for b in codes.list_batches(principal, "summer-promo", 1, 10).batches if b.created_at == NOON
        ]
        assert [b.batch_size for b in ours] == [100, 100] and ours[0].id != ours[1].id
        assert codes.code_count == 190 + 200
    finally:
        codes.store.close()


# -- the memory store's own index -------------------------------------------------------------


@pytest.mark.parametrize("store_kind", ["memory"])
def test_the_code_index_spreads_over_generations_and_finds_every_code(
    monkeypatch: pytest.MonkeyPatch, campaign: Campaign
) -> None:
    monkeypatch.setattr(memory, "GENERATION", 64)
    index = CodeIndex()
    batches = []
    for n in range(20):
        batch = memory.Batch(f"b-{n}", campaign, 30, 1, None, None, NOON, n)
        assert index.add(batch, digests(100 * n, 30))
        batches.append(batch)
    assert len(index._generations) == 10 and len(index) == 600
    assert not index.add(batches[0], [digests(100 * 7, 1)[0], 1])  # held in an older generation
    assert not index.add(batches[0], [5, 5])
    assert len(index) == 600
    for n, batch in enumerate(batches):
        assert all(index.owner(d) is batch for d in digests(100 * n, 30))
    assert index.owner(3) is None and 3 not in index


@pytest.mark.parametrize("store_kind", ["sqlite", "postgresql"])
def test_concurrent_writes_share_commits_and_still_decide_one_at_a_time(
    store: Store, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one commit is under way, the writes that arrive wait, and go in one transaction
    together; within it, each still sees what the ones before it took."""
    held = digests(5 * 10**9, 2)
    store.add_batch(new_batch(campaign, 99, held))
    holder = store.code(held[0])
    assert holder is not None
    before = store.code_count()
    rows: list[int] = []  # events per commit
    real_commit = store._commit  # type: ignore[attr-defined]
    started = threading.Event()

    def slow_first_commit(statements: list[tuple[str, list[Any]]]) -> None:
        rows.append(sum(len(parameters) // 4 for text, parameters in statements if "INSERT" in text))
        if len(rows) == 1:
            started.set()
            time.sleep(0.3)  # the others line up meanwhile
        real_commit(statements)

    monkeypatch.setattr(store, "_commit", slow_first_commit)
    first = threading.Thread(target=store.add_batch, args=(new_batch(campaign, 0, digests(10**9, 5)),))
    first.start()
    assert started.wait(10)
    # Nine batches, and three that clash with one of them each (the same digests, some of the
    # same digests, the same id); eight redemptions of one code. Whichever comes first wins.
    batches = [new_batch(campaign, n, digests(10**9 + 100 * n, 5)) for n in range(1, 10)]
    batches += [
        new_batch(campaign, 20, digests(10**9 + 100, 5)),
        new_batch(campaign, 21, digests(10**9 + 203, 5)),
        new_batch(campaign, 3, digests(10**10, 5)),
    ]
    kept: dict[int, bool] = {}
    redeemed: list[bool] = []

    def add(number: int) -> None:
        kept[number] = store.add_batch(batches[number]) is not None

    workers = [threading.Thread(target=add, args=(number,)) for number in range(len(batches))]
    workers += [threading.Thread(target=lambda: redeemed.append(store.redeem(holder))) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in [first, *workers]:
        worker.join(timeout=30)
    assert len(rows) < 1 + len(workers) and max(rows) > 1  # writes went together
    assert sorted(redeemed) == [False] * 7 + [True]
    for one, other in [(0, 9), (1, 10), (2, 11)]:  # of each clashing pair, one
        assert kept[one] != kept[other]
    assert sum(kept.values()) == 9
    assert store.code_count() == before + 5 + 9 * 5
    print(f"\n{1 + len(workers)} writes in {len(rows)} commits, events per commit: {rows}")
