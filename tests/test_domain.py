"""The domain without HTTP, over every store: the clock, revoking, what a store keeps of a code.

The rules live in `Codes` once; these tests hold each store to the same answers.
"""

from __future__ import annotations

import gc
import threading
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers_kit import FIXTURE_BATCH, FIXTURE_CODE
from stores_kit import DURABLE, domain

from mockserver.domain.clock import Clock
from mockserver.domain.codes import Randomness
from mockserver.domain.errors import Conflict
from mockserver.domain.records import CodeStatus, Principal
from mockserver.domain.service import Codes
from mockserver.stores.memory import MemoryStore

pytestmark = pytest.mark.every_store

NOON = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def codes(store_url: str) -> Iterator[Codes]:
    """The domain on the bundled fixtures, its clock frozen at NOON, over a fresh store."""
    made = domain(store_url, clock=Clock(frozen_at=NOON))
    yield made
    made.store.close()


def acme(codes: Codes) -> Principal:
    """The principal of Acme's TEST secret."""
    return codes.authenticate("sk_test_acme_mock_secret")


def test_a_frozen_clock_is_set_and_moved_and_stays(codes: Codes) -> None:
    codes.set_clock(datetime(2030, 1, 1, tzinfo=UTC))
    assert codes.clock.now() == datetime(2030, 1, 1, tzinfo=UTC) and codes.clock.frozen_at == NOON
    codes.advance_clock(timedelta(hours=-1))
    assert codes.clock.now() == datetime(2029, 12, 31, 23, tzinfo=UTC)
    assert codes.store.clock_offset() == datetime(2029, 12, 31, 23, tzinfo=UTC) - NOON


def test_a_running_clock_set_to_an_instant_goes_on_from_it(store_url: str) -> None:
    codes = domain(store_url)
    try:
        codes.set_clock(datetime(2040, 1, 1, tzinfo=UTC))
        assert timedelta(0) <= codes.clock.now() - datetime(2040, 1, 1, tzinfo=UTC) < timedelta(seconds=5)
    finally:
        codes.store.close()


def test_moves_of_the_clock_from_many_threads_all_count(codes: Codes) -> None:
    def advance() -> None:
        for _ in range(25):
            codes.advance_clock(timedelta(seconds=1))

    threads = [threading.Thread(target=advance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes.refresh()
    assert codes.clock.now() == NOON + timedelta(seconds=200)
    assert codes.store.clock_offset() == timedelta(seconds=200)


def test_revoking_a_batch_revokes_its_codes_and_counts_them_once(codes: Codes) -> None:
    assert codes.revoke_batch(FIXTURE_BATCH) is True
    assert codes.verify_code(acme(codes), FIXTURE_CODE).status is CodeStatus.REVOKED
    assert codes.revoke_code(FIXTURE_CODE) is True  # revoked with its batch already: not counted twice
    stats = codes.get_code_stats(acme(codes), "summer-promo")
    # The batch's 100, and the fixtures' one revoked code of the other batch.
    assert (stats.revoked_codes, stats.total_codes) == (101, 150)
    assert codes.revoke_batch("no-such-batch") is False
    assert codes.revoke_code("SUMM-22222222") is False


def test_a_revoked_redeemed_code_moves_from_redeemed_to_revoked(codes: Codes) -> None:
    principal = acme(codes)
    made = codes.generate_codes(principal, "summer-promo", 3, 10).codes
    codes.redeem_code(principal, "summer-promo", made[0], "u-1")
    before = codes.get_code_stats(principal, "summer-promo")
    assert codes.revoke_code(made[0].lower()) is True
    after = codes.get_code_stats(principal, "summer-promo")
    assert (after.redeemed_codes, after.revoked_codes) == (
        before.redeemed_codes - 1,
        before.revoked_codes + 1,
    )
    assert after.total_codes == before.total_codes
    with pytest.raises(Conflict, match="Code status is REVOKED"):
        codes.redeem_code(principal, "summer-promo", made[0], "u-2")


def test_a_code_is_redeemed_once_however_many_threads_try(codes: Codes) -> None:
    principal = acme(codes)
    made = codes.generate_codes(principal, "summer-promo", 5, 10).codes
    results: list[str] = []

    def attempt(code: str) -> None:
        try:
            codes.redeem_code(principal, "summer-promo", code, "u")
            results.append(f"{code} ok")
        except Conflict as refused:
            results.append(f"{code} {refused.message}")

    threads = [threading.Thread(target=attempt, args=(code,)) for code in made for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for code in made:
        outcomes = sorted(result.removeprefix(code + " ") for result in results if result.startswith(code))
        assert outcomes == ["Code status is REDEEMED"] * 5 + ["ok"]
    stats = codes.get_code_stats(principal, "summer-promo")
    assert stats.redeemed_codes == 1 + 5  # the fixtures' one and these five


@pytest.mark.parametrize("store_kind", DURABLE)
def test_a_domain_over_the_same_store_again_carries_on(store_url: str) -> None:
    first = domain(store_url, clock=Clock(frozen_at=NOON), randomness=Randomness(1))
    principal = acme(first)
    made = first.generate_codes(principal, "summer-promo", 5, 10).codes
    first.redeem_code(principal, "summer-promo", made[0], "u")
    first.revoke_code(made[1])
    first.advance_clock(timedelta(days=2))
    listing = [b.id for b in first.list_batches(principal, "summer-promo", 1, 10).batches]
    stats = first.get_code_stats(principal, "summer-promo")
    first.store.close()
    # The same seed draws the same codes again: the store's codes must be drawn around.
    second = domain(store_url, clock=Clock(frozen_at=NOON), randomness=Randomness(1))
    try:
        again = acme(second)
        assert [second.verify_code(again, code).status for code in made[:3]] == [
            CodeStatus.REDEEMED,
            CodeStatus.REVOKED,
            CodeStatus.ACTIVE,
        ]
        assert second.get_code_stats(again, "summer-promo") == stats
        assert second.clock.now() == NOON + timedelta(days=2)
        assert [b.id for b in second.list_batches(again, "summer-promo", 1, 10).batches] == listing
        more = second.generate_codes(again, "summer-promo", 5, 10).codes
        assert set(more).isdisjoint(made)
        assert second.code_count == 190 + 10  # the fixtures' and the two new batches'
    finally:
        second.store.close()


def test_a_store_keeps_digests_and_never_a_code(codes: Codes, store_kind: str, tmp_path: Path) -> None:
    made = list(codes.generate_codes(acme(codes), "summer-promo", 20, 10).codes)
    codes.redeem_code(acme(codes), "summer-promo", made[0], "u")
    looked_for = [*made, FIXTURE_CODE]
    kept = everything_kept(codes, store_kind, tmp_path)
    assert kept, "nothing was read from the store"
    for code in looked_for:
        random_part = code.split("-")[1]
        assert random_part.encode() not in kept, f"{code} is in the store"


def everything_kept(codes: Codes, store_kind: str, tmp_path: Path) -> bytes:
    """All a store holds, as bytes: every string reachable from the memory store, the SQLite
    files, or the text of every row of the PostgreSQL schema."""
    store: Any = codes.store
    if store_kind == "memory":
        assert isinstance(store, MemoryStore)
        return b"\n".join(text.encode() for text in reachable_strings(store))
    if store_kind == "sqlite":
        return b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("state.db"))
    tables = [
        row[0]
        for row in store._read("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", ())
    ]
    rows = [str(row) for table in tables for row in store._read(f"SELECT t::text FROM {table} t", ())]
    return "\n".join(rows).encode()


def reachable_strings(root: object) -> list[str]:
    """Every str the object graph from `root` reaches (what the garbage collector can see)."""
    found, seen, todo = [], {id(root)}, [root]
    while todo:
        for referent in gc.get_referents(todo.pop()):
            if id(referent) in seen:
                continue
            seen.add(id(referent))
            if isinstance(referent, str):
                found.append(referent)
            elif not isinstance(referent, type | types.ModuleType | types.FunctionType):
                todo.append(referent)
    return found
