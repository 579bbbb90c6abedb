"""Documented behaviour of code stats: they agree with the batch list and grow by a generated batch."""

from __future__ import annotations

import pytest

from .api import Api
from .checks import Violation
from .expect import expect_client_error, expect_counts_changed, expect_success
from .operations import STATS

pytestmark = pytest.mark.stats


def test_total_batches_match_listing(api: Api) -> None:
    """totalBatches counts the batches the list counts in `total` (both: every batch of the campaign)."""
    before, stats, after = api.list_batches(limit=1), api.stats(), api.list_batches(limit=1)
    for exchange in (before, stats, after):
        expect_success(exchange)
    totals = before.data.get("total"), after.data.get("total")
    if totals[0] != totals[1]:
        pytest.skip(f"the campaign changed during the check (list total {totals[0]}, then {totals[1]})")
    if stats.data.get("totalBatches") != totals[0]:
        raise Violation(
            f"Expected totalBatches {totals[0]}, the list's total; "
            f"received totalBatches {stats.data.get('totalBatches')!r}",
            stats,
        )


def test_missing_slug_rejected(api: Api) -> None:
    # slug is required; which 4xx is the deployment's choice.
    expect_client_error(api.call(STATS, query={}))


@pytest.mark.creates
def test_counts_grow_by_generated_batch(api: Api) -> None:
    """A batch of N codes without expiry adds exactly N to totalCodes and activeCodes, 1 to totalBatches."""
    size = min(3, api.settings.max_batch_size)
    before = api.stats()
    expect_success(before)
    expect_success(api.generate(batchSize=size))
    expect_counts_changed(
        before,
        api.stats(),
        {"totalCodes": size, "activeCodes": size, "totalBatches": 1},
        f"generating a batch of {size}",
    )
