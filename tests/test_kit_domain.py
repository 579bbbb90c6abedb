"""The domain side of the integrator kit, without HTTP: the clock, revoking a batch, snapshots."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from helpers_kit import FIXTURE_BATCH, FIXTURE_CODE

from mockserver import Clock, CodesBackend, load_spec
from mockserver.codes import Randomness
from mockserver.domain import CodeStatus, Principal
from mockserver.fixtures import build_backend, load_fixtures
from mockserver.state_file import decode, encode

SPEC = load_spec()
FIXTURES = load_fixtures(None, SPEC)
NOON = datetime(2025, 6, 1, 12, tzinfo=UTC)


def backend(seed: int | None = None) -> CodesBackend:
    return build_backend(FIXTURES, SPEC, clock=Clock(frozen_at=NOON), randomness=Randomness(seed))


def acme(backend: CodesBackend) -> Principal:
    """The principal of Acme's TEST secret."""
    return backend.authenticate("sk_test_acme_mock_secret")


def test_a_frozen_clock_is_set_and_advanced_and_stays() -> None:
    clock = Clock(frozen_at=NOON)
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC) and clock.frozen_at == NOON
    clock.advance(timedelta(hours=-1))
    assert clock.now() == datetime(2029, 12, 31, 23, tzinfo=UTC)
    assert clock.offset == datetime(2029, 12, 31, 23, tzinfo=UTC) - NOON


def test_a_running_clock_set_to_an_instant_goes_on_from_it() -> None:
    clock = Clock()
    clock.set(datetime(2040, 1, 1, tzinfo=UTC))
    assert timedelta(0) <= clock.now() - datetime(2040, 1, 1, tzinfo=UTC) < timedelta(seconds=5)


def test_advances_from_many_threads_all_count() -> None:
    clock = Clock(frozen_at=NOON)

    def advance() -> None:
        for _ in range(1000):
            clock.advance(timedelta(seconds=1))

    threads = [threading.Thread(target=advance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == NOON + timedelta(seconds=8000)


def test_revoke_batch_revokes_its_codes_and_counts_once() -> None:
    store = backend()
    revision = store.revision
    assert store.revoke_batch(FIXTURE_BATCH) is True
    assert store.revision > revision
    assert store.verify_code(acme(store), FIXTURE_CODE).status is CodeStatus.REVOKED
    assert store.revoke_code(FIXTURE_CODE) is True  # already revoked with its batch: no double count
    stats = store.get_code_stats(acme(store), "summer-promo")
    # The batch's 100, and the fixtures' one revoked code of the other batch.
    assert (stats.revoked_codes, stats.total_codes) == (101, 150)
    assert store.revoke_batch("no-such-batch") is False


def test_a_snapshot_restored_on_the_same_fixtures_carries_on() -> None:
    first = backend(seed=1)
    principal = acme(first)
    codes = first.generate_codes(principal, "summer-promo", 5, 10).codes
    first.redeem_code(principal, "summer-promo", codes[0], "u")
    first.revoke_code(codes[1])
    first.clock.advance(timedelta(days=2))
    saved = decode(encode(first.snapshot()))  # through the state file's JSON form
    second = backend(seed=1)
    second.restore(saved)
    assert [second.verify_code(acme(second), code).status for code in codes[:3]] == [
        CodeStatus.REDEEMED,
        CodeStatus.REVOKED,
        CodeStatus.ACTIVE,
    ]
    assert second.get_code_stats(acme(second), "summer-promo") == first.get_code_stats(
        principal, "summer-promo"
    )
    assert second.clock.now() == NOON + timedelta(days=2)
    assert second.code_count == first.code_count == 190 + 5  # the fixtures' and the new batch's
    assert [b.id for b in second.list_batches(acme(second), "summer-promo", 1, 10).batches] == [
        b.id for b in first.list_batches(principal, "summer-promo", 1, 10).batches
    ]


def test_a_snapshot_keeps_digests_and_never_codes() -> None:
    store = backend()
    codes = store.generate_codes(acme(store), "summer-promo", 3, 10).codes
    text = repr(store.snapshot())
    assert not [code for code in [*codes, FIXTURE_CODE] if code in text]


def test_restore_refuses_a_snapshot_whose_codes_repeat() -> None:
    snapshot = backend().snapshot()
    first, second, *others = snapshot.batches
    repeated = replace(first, digests=[second.digests[0]] * len(first.digests))
    with pytest.raises(ValueError, match="a code appears twice"):
        backend().restore(replace(snapshot, batches=[repeated, second, *others]))


def test_restore_refuses_a_snapshot_with_a_batch_of_the_wrong_size() -> None:
    snapshot = backend().snapshot()
    first, *others = snapshot.batches
    with pytest.raises(ValueError, match=f"batch {first.fields['id']}: 49 codes for 50"):
        backend().restore(replace(snapshot, batches=[replace(first, digests=first.digests[1:]), *others]))
