"""A generated batch in the listing: listed with the same fields, newest first, counted in total."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import pytest

from .api import Api
from .checks import Violation
from .exchange import Exchange
from .expect import expect_success
from .instants import parse_instant

pytestmark = [pytest.mark.batches, pytest.mark.creates]
INSTANT_FIELDS = ("createdAt", "expiresAt")


def _batch(exchange: Exchange) -> dict:
    expect_success(exchange)
    return exchange.data.get("batch") or {}


def _listed(exchange: Exchange) -> list[dict]:
    expect_success(exchange)
    return [batch for batch in exchange.data.get("batches", []) if isinstance(batch, dict)]


def _differences(generated: dict, listed: dict) -> list[str]:
    """Fields of the generated batch the listing shows otherwise (instants compared as instants)."""
    different = []
    for name, value in generated.items():
        if name in INSTANT_FIELDS and isinstance(value, str) and isinstance(listed.get(name), str):
            try:
                if abs(parse_instant(value) - parse_instant(listed[name])) < timedelta(seconds=1):
                    continue
            except ValueError:
                pass
        if listed.get(name) != value:
            different.append(f"{name} {listed.get(name)!r} for {value!r}")
    return different


def test_generated_batch_listed(api: Api) -> None:
    size = min(2, api.settings.max_batch_size)
    generated = _batch(
        api.generate(batchSize=size, pointsValue=7, label=f"conformance {uuid.uuid4().hex[:8]}")
    )
    listing = api.list_batches()
    listed = next((batch for batch in _listed(listing) if batch.get("id") == generated.get("id")), None)
    if listed is None:
        ids = [batch.get("id") for batch in _listed(listing)]
        raise Violation(
            f"Expected the new batch {generated.get('id')} on page 1; received ids {ids}", listing
        )
    if different := _differences(generated, listed):
        raise Violation(
            f"Expected the listed batch to equal the generated one; received {'; '.join(different)}", listing
        )


def test_newer_batch_listed_first(api: Api) -> None:
    """A new batch comes before every batch created before it (a tie's order is not documented)."""
    new = _batch(api.generate())
    listing = api.list_batches()
    if not _older_than(new, _listed(listing)):
        time.sleep(1.1)  # nothing older on page 1: make one, a second (timestamps may be whole) apart
        new = _batch(api.generate())
        listing = api.list_batches()
    listed = _listed(listing)
    ids = [batch.get("id") for batch in listed]
    if new.get("id") not in ids:
        raise Violation(f"Expected the new batch {new.get('id')} on page 1; received ids {ids}", listing)
    older = _older_than(new, listed)
    if not older:
        pytest.skip("the target gave the batches one createdAt; the order of a tie is not documented")
    above = [batch.get("id") for batch in older if ids.index(batch.get("id")) < ids.index(new["id"])]
    if above:
        raise Violation(
            f"Expected the new batch {new['id']} (created {new.get('createdAt')}) before older batches; "
            f"received older ones above it: {above}",
            listing,
        )


def _older_than(batch: dict, listed: list[dict]) -> list[dict]:
    created_at = _instant(batch)
    return [other for other in listed if created_at and (_instant(other) or created_at) < created_at]


def _instant(batch: dict) -> datetime | None:
    try:
        return parse_instant(batch.get("createdAt"))
    except ValueError:
        return None


def test_total_counts_new_batches(api: Api) -> None:
    before = api.list_batches(limit=1)
    expect_success(before)
    for _ in range(2):
        expect_success(api.generate())
    after = api.list_batches(limit=1)
    expect_success(after)
    totals = before.data.get("total"), after.data.get("total")
    if not all(type(total) is int for total in totals) or totals[1] - totals[0] != 2:
        raise Violation(
            f"Expected total to grow by the 2 batches generated; received {totals[0]} then {totals[1]}", after
        )
