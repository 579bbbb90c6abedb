"""The storage port, held to one contract on every store: memory, SQLite and PostgreSQL.

A store keeps and fetches, and applies events (domain/events.py) as they say. These cases call
it directly, through `write` with decisions of their own and digests chosen by the test (and
through the domain where the domain's redrawing is the subject): every store must answer them
the same.
"""

from __future__ import annotations

import random
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from stores_kit import domain

from mockserver.domain.clock import Clock
from mockserver.domain.codes import Randomness
from mockserver.domain.events import (
    BatchAdded,
    BatchRevoked,
    CampaignChanged,
    ClockSet,
    CodeRedeemed,
    CodeRevoked,
    CorruptLog,
    Decision,
    Event,
    KeyRevoked,
    PartnerAdded,
)
from mockserver.domain.ports import PartnerSeed, Store, View
from mockserver.domain.records import (
    ApiKey,
    Batch,
    Campaign,
    CampaignKey,
    CampaignStatus,
    CodeStatus,
    Environment,
    Partner,
    secret_digest,
)
from mockserver.domain.service import Codes
from mockserver.stores import memory
from mockserver.stores import sqlite as sqlite_module
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
) -> BatchAdded:
    return BatchAdded(f"batch-{number}", campaign.id, len(digests), 10, None, expires_at, created_at, digests)


# -- decisions as the domain makes them, on what the store holds when the write is kept --------


def add_batch(store: Store, new: BatchAdded) -> Batch | None:
    def decide(view: View) -> Decision:
        if view.has_batch(new.id) or view.clashes(new.digests):
            return None, ()
        return new.id, (new,)

    kept = store.write(decide, grouped=True)
    return None if kept is None else store.batch(kept)


def redeem(store: Store, digest: int) -> bool:
    def decide(view: View) -> Decision:
        current = view.code(digest)
        return (True, (CodeRedeemed(digest),)) if current is not None and current.redeemable else (False, ())

    return bool(store.write(decide, grouped=True))


def happen(store: Store, event: Event) -> bool:
    return bool(store.write(lambda view: (True, (event,))))


def digests(start: int, count: int) -> list[int]:
    """`count` digests over the whole 64-bit range (the top bit set for half of them)."""
    return [(start + i) * 0x9E37_79B9_7F4A_7C15 % (1 << 64) for i in range(count)]


def test_every_code_finds_its_batch_and_nothing_else_does(store: Store, campaign: Campaign) -> None:
    before = store.code_count()
    made = {n: digests(1000 * n, size) for n, size in enumerate([1, 50, 7, 300])}
    batches = {n: add_batch(store, new_batch(campaign, n, d)) for n, d in made.items()}
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


def counts(store: Store, batch_id: str) -> tuple[int, int, int]:
    batch = store.batch(batch_id)
    assert batch is not None
    return batch.batch_size, batch.redeemed_count, batch.revoked_count


def test_a_batch_with_a_digest_held_already_is_kept_not_at_all(store: Store, campaign: Campaign) -> None:
    first = digests(1, 10)
    assert add_batch(store, new_batch(campaign, 1, first)) is not None
    count, page = store.code_count(), listed(store, campaign)
    clashing = [*digests(500, 9), first[4]]
    assert add_batch(store, new_batch(campaign, 2, clashing)) is None
    repeating = [*digests(800, 9), 800 * 0x9E37_79B9_7F4A_7C15 % (1 << 64)]  # its first, twice
    assert add_batch(store, new_batch(campaign, 3, repeating)) is None
    assert store.code_count() == count and listed(store, campaign) == page
    assert store.code(clashing[0]) is None and store.code(repeating[1]) is None
    assert store.code(first[4]).batch.id == "batch-1"  # type: ignore[union-attr]


def test_a_page_is_newest_first_by_created_at_then_by_creation(store: Store, campaign: Campaign) -> None:
    _, fixtures = store.batch_page(campaign, 0, 100)
    instants = [NOON, NOON + timedelta(hours=1), NOON - timedelta(days=400), NOON + timedelta(hours=1), NOON]
    for n, instant in enumerate(instants):
        add_batch(store, new_batch(campaign, n, digests(100 * (n + 1), 2), created_at=instant))
    page, total = store.batch_page(campaign, 0, 100)
    assert total == fixtures + 5
    ours = [batch.id for batch in page if batch.id.startswith("batch-")]
    assert ours == ["batch-3", "batch-1", "batch-4", "batch-0", "batch-2"]
    assert [b.id for b in store.batch_page(campaign, 1, 2)[0]] == [b.id for b in page[1:3]]
    assert store.batch_page(campaign, total, 10) == ([], total)
    assert store.batch_page(campaign, 10**9, 10) == ([], total)


def test_a_redeem_decided_after_another_finds_it_redeemed(store: Store, campaign: Campaign) -> None:
    batch_digests = digests(7, 3)
    add_batch(store, new_batch(campaign, 1, batch_digests))
    assert redeem(store, batch_digests[0]) is True
    assert redeem(store, batch_digests[0]) is False
    assert store.code(batch_digests[0]).redeemed is True  # type: ignore[union-attr]
    assert happen(store, CodeRevoked(batch_digests[1]))
    assert redeem(store, batch_digests[1]) is False
    assert happen(store, BatchRevoked("batch-1"))
    assert redeem(store, batch_digests[2]) is False


def test_a_decision_that_fails_keeps_nothing_and_its_error_goes_through(
    store: Store, campaign: Campaign
) -> None:
    count, page = store.code_count(), listed(store, campaign)

    def refuse(view: View) -> Decision:
        raise LookupError("refused by the domain")

    with pytest.raises(LookupError, match="refused by the domain"):
        store.write(refuse)
    with pytest.raises(LookupError):
        store.write(refuse, grouped=True)
    assert store.code_count() == count and listed(store, campaign) == page
    assert add_batch(store, new_batch(campaign, 1, digests(3, 2))) is not None  # the store goes on


def test_a_write_answers_what_its_decision_answered_once_its_events_are_applied(store: Store) -> None:
    def decide(view: View) -> Decision:
        return view.clock_offset() + timedelta(hours=1), (ClockSet(view.clock_offset() + timedelta(hours=1)),)

    before = store.clock_offset()
    assert store.write(decide) == before + timedelta(hours=1) == store.clock_offset()
    assert store.write(lambda view: ("nothing to keep", ())) == "nothing to keep"


def test_revoking_counts_once_and_beats_redeeming(store: Store, campaign: Campaign) -> None:
    made = digests(40, 4)
    add_batch(store, new_batch(campaign, 1, made))
    assert redeem(store, made[0]) and happen(store, CodeRevoked(made[0]))  # redeemed, then revoked
    assert happen(store, CodeRevoked(made[1])) and happen(store, CodeRevoked(made[1]))  # twice
    assert counts(store, "batch-1") == (4, 0, 2)
    record = store.code(made[0])
    assert record is not None and record.status(NOON) is CodeStatus.REVOKED and not record.redeemable
    assert happen(store, BatchRevoked("batch-1"))
    assert happen(store, CodeRevoked(made[2]))  # a code of a revoked batch is revoked already
    assert counts(store, "batch-1") == (4, 0, 2)
    assert store.code(made[3]).status(NOON) is CodeStatus.REVOKED  # type: ignore[union-attr]


def test_the_batches_of_a_campaign_are_all_there_for_its_counts(codes: Codes) -> None:
    store = codes.store
    initech = Partner("p-counted", "Counted")
    counted = Campaign("c-counted", initech, Environment.TEST, "counted", "Counted", CampaignStatus.ACTIVE)
    happen(store, PartnerAdded(PartnerSeed(initech, (), (counted,))))
    campaign = store.campaign_by_id("c-counted")
    assert campaign is not None and store.batches(campaign) == []
    add_batch(store, new_batch(campaign, 1, digests(10, 4), expires_at=NOON + timedelta(days=1)))
    add_batch(store, new_batch(campaign, 2, digests(20, 6)))
    assert redeem(store, digests(10, 1)[0]) and happen(store, CodeRevoked(digests(20, 1)[0]))
    assert sorted(batch.id for batch in store.batches(campaign)) == ["batch-1", "batch-2"]
    stats = codes.campaign_stats(campaign)
    assert stats == (10, 8, 1, 0, 1, 2)  # total, active, redeemed, expired, revoked, batches
    codes.clock.shift(timedelta(days=2))  # batch-1 has expired by then: its 3 untouched codes
    assert codes.campaign_stats(campaign) == (10, 5, 1, 3, 1, 2)
    happen(store, BatchRevoked("batch-2"))
    assert codes.campaign_stats(campaign) == (10, 0, 1, 3, 6, 2)


def test_partners_campaigns_and_keys_are_kept_and_changed(store: Store, campaign: Campaign) -> None:
    hooli = Partner("p-hooli", "Hooli")
    secret = secret_digest("sk_test_hooli_1")
    nucleus = Campaign("c-nucleus", hooli, Environment.TEST, "nucleus", "Nucleus", CampaignStatus.ACTIVE)
    seed = PartnerSeed(hooli, (ApiKey(secret, hooli, Environment.TEST, True, False),), (nucleus,))
    assert happen(store, PartnerAdded(seed))
    assert store.key(secret).partner == hooli  # type: ignore[union-attr]
    found = store.campaign(CampaignKey("p-hooli", Environment.TEST, "nucleus"))
    assert found is not None and (found.id, found.name, found.partner) == ("c-nucleus", "Nucleus", hooli)
    assert found is not nucleus  # the store's own: campaigns change in place, the event's stays
    assert store.partner("p-hooli").keys[0].secret_sha256 == secret  # type: ignore[union-attr]
    assert any(found.partner == hooli for found in store.partners())
    # The same partner again, with a key more: only what it lacked is added.
    second = ApiKey(secret_digest("sk_test_hooli_2"), hooli, Environment.TEST, True, False)
    assert happen(store, PartnerAdded(PartnerSeed(hooli, (*seed.keys, second), (nucleus,))))
    assert len(store.partner("p-hooli").keys) == 2 and len(store.partner("p-hooli").campaigns) == 1  # type: ignore[union-attr]
    assert happen(store, CampaignChanged("c-nucleus", CampaignStatus.ENDED, NOON))
    ended = store.campaign_by_id("c-nucleus")
    assert ended is not None and (ended.status, ended.ends_at) == (CampaignStatus.ENDED, NOON)
    assert happen(store, KeyRevoked(secret)) and store.key(secret).revoked is True  # type: ignore[union-attr]
    assert store.partner("p-hooli").keys[0].revoked is True  # type: ignore[union-attr]


def test_the_clock_offset_is_kept_to_the_microsecond(store: Store) -> None:
    happen(store, ClockSet(timedelta(days=-3, microseconds=7)))
    assert store.clock_offset() == timedelta(days=-3, microseconds=7)
    far = datetime(8999, 12, 31, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    happen(store, ClockSet(far))
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


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_a_sqlite_store_copies_its_log_into_the_file_while_commits_go_on(
    store: Store, campaign: Campaign, store_url: str
) -> None:
    """A thread copies what commits added to the log into the database file (every page of it,
    once commits pause), so a commit seldom waits for that; the log stays small; the thread
    ends with the store."""
    shm = Path(store_url.removeprefix("sqlite:///") + "-shm")

    def log_pages_and_copied() -> tuple[int, int]:  # the WAL index's mxFrame and nBackfill
        head = shm.read_bytes()[:100]
        return struct.unpack_from("=I", head, 16)[0], struct.unpack_from("=I", head, 96)[0]

    for n in range(400):
        assert add_batch(store, new_batch(campaign, 1000 + n, digests(10_000 * n, 20))) is not None
    thread = store._checkpoints._thread  # type: ignore[attr-defined]
    assert thread.is_alive()
    deadline = time.monotonic() + 5
    while (pages := log_pages_and_copied())[1] < pages[0] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert 0 < pages[0] == pages[1], pages
    assert Path(str(shm).removesuffix("-shm") + "-wal").stat().st_size < 8 * 1024 * 1024
    store.close()
    assert not thread.is_alive()


@pytest.mark.parametrize("store_kind", ["sqlite"])
@pytest.mark.parametrize("when", ["just before", "just after"])
def test_a_commit_of_another_connection_beside_a_write_of_its_own_is_still_taken_up(
    store_url: str, when: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write's own commit is taken as seen only if it was the only one: another connection's,
    committed right before or right after it, is read from the log by the next look."""
    first, second = domain(store_url), domain(store_url)
    try:
        second.store.catch_up()
        campaign = first.campaign(first.authenticate("sk_test_acme_mock_secret"), "summer-promo")
        real_run = second.store._run  # type: ignore[attr-defined]
        foreign: list[Batch | None] = []

        def beside(statements: list[tuple[str, Any]]) -> None:
            if when == "just after":
                real_run(statements)
            if not foreign:
                foreign.append(add_batch(first.store, new_batch(campaign, 2, digests(77, 3))))
            if when == "just before":
                real_run(statements)  # the number is taken: it catches up, and tries again

        monkeypatch.setattr(second.store, "_run", beside)
        own = second.campaign(second.authenticate("sk_test_acme_mock_secret"), "summer-promo")
        assert add_batch(second.store, new_batch(own, 1, digests(5, 3))) is not None
        assert foreign[0] is not None
        monkeypatch.undo()
        statements: list[str] = []
        second.store._connection().set_trace_callback(statements.append)  # type: ignore[attr-defined]
        second.store.catch_up()
        assert second.store.batch("batch-2") is not None, statements
    finally:
        first.store.close()
        second.store.close()


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


@pytest.mark.parametrize("store_kind", ["memory"])
def test_only_the_very_digests_a_decision_checked_skip_the_second_look(
    store: Store, campaign: Campaign
) -> None:
    """A SQL store's replica takes a write's own batch without looking its codes up again, but
    only the digest sequences its view checked: an equal list that nobody checked is looked at,
    and refused if a code is taken, as in a replay of the log."""
    replica = store
    assert isinstance(replica, memory.MemoryStore)
    before = replica.code_count()
    held, fresh = digests(1, 3), digests(50, 3)
    replica.apply(new_batch(campaign, 1, held))
    with pytest.raises(CorruptLog):
        replica.apply(new_batch(campaign, 2, list(held)), checked=[held])
    replica.apply(new_batch(campaign, 3, fresh), checked=[fresh])
    assert [replica.code(d).batch.id for d in held + fresh] == ["batch-1"] * 3 + ["batch-3"] * 3  # type: ignore[union-attr]
    assert replica.code_count() == before + 6


@pytest.mark.parametrize("store_kind", ["sqlite", "postgresql"])
def test_concurrent_writes_share_commits_and_still_decide_one_at_a_time(
    store: Store, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one commit is under way, the writes that arrive wait, and go in one transaction
    together; within it, each still sees what the ones before it took."""
    held = digests(5 * 10**9, 2)
    add_batch(store, new_batch(campaign, 99, held))
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
    first = threading.Thread(target=add_batch, args=(store, new_batch(campaign, 0, digests(10**9, 5))))
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
        kept[number] = add_batch(store, batches[number]) is not None

    workers = [threading.Thread(target=add, args=(number,)) for number in range(len(batches))]
    workers += [threading.Thread(target=lambda: redeemed.append(redeem(store, held[0]))) for _ in range(8)]
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


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_a_sqlite_store_reads_its_log_only_when_another_connection_kept_something(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As two processes on one file: the second catches up on what the first kept, and asks its
    log nothing while nobody else kept anything."""
    first, second = domain(store_url), domain(store_url)
    try:
        reads: list[str] = []
        real_read = second.store._read  # type: ignore[attr-defined]

        def counted(text: str, parameters: Any) -> Any:
            reads.append(text)
            return real_read(text, parameters)

        monkeypatch.setattr(second.store, "_read", counted)
        second.store.catch_up()
        second.store.catch_up()
        assert reads == []
        campaign = first.campaign(first.authenticate("sk_test_acme_mock_secret"), "summer-promo")
        assert add_batch(first.store, new_batch(campaign, 1, digests(77, 3))) is not None
        second.store.catch_up()
        assert len(reads) == 1 and second.store.batch("batch-1") is not None
        second.store.catch_up()
        assert len(reads) == 1
    finally:
        first.store.close()
        second.store.close()


@pytest.mark.parametrize("store_kind", ["sqlite"])
@pytest.mark.parametrize("wal_index", ["mapped", "not mapped"])
def test_a_sqlite_store_asks_sqlite_nothing_while_nobody_committed(
    store_url: str, wal_index: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WAL index's header tells that nothing was committed, with no statement; once anyone
    committed, SQLite is asked, and the log read only for another connection's commit. Where the
    index cannot be mapped, SQLite is asked each time, and nothing is missed either."""
    if wal_index == "not mapped":
        monkeypatch.setattr(sqlite_module, "_mapped_wal_index", lambda path: None)
    first, second = domain(store_url), domain(store_url)
    try:
        statements: list[str] = []
        second.store._connection().set_trace_callback(statements.append)  # type: ignore[attr-defined]
        second.store.catch_up()
        statements.clear()
        second.store.catch_up()
        second.store.catch_up()
        assert statements == ([] if wal_index == "mapped" else ["PRAGMA data_version"] * 2)
        principal = second.authenticate("sk_test_acme_mock_secret")
        assert add_batch(
            second.store, new_batch(second.campaign(principal, "summer-promo"), 1, digests(5, 3))
        )
        statements.clear()
        second.store.catch_up()  # its own commit, the only one: known to be nobody else's
        assert statements == ([] if wal_index == "mapped" else ["PRAGMA data_version"])
        campaign = first.campaign(first.authenticate("sk_test_acme_mock_secret"), "summer-promo")
        assert add_batch(first.store, new_batch(campaign, 2, digests(77, 3))) is not None
        statements.clear()
        second.store.catch_up()
        assert statements[0] == "PRAGMA data_version" and statements[1].startswith("SELECT seq")
        assert second.store.batch("batch-2") is not None
        statements.clear()
        second.store.catch_up()
        assert statements == ([] if wal_index == "mapped" else ["PRAGMA data_version"])
    finally:
        first.store.close()
        second.store.close()
