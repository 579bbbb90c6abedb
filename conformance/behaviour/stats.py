"""Code stats agree with the batch list, grow by a generated batch, and count expired codes as expired.

The checks that compare counts before and after run alone (quiet): nothing else of the run
changes --slug meanwhile.
"""

from __future__ import annotations

from ..api import FOREIGN
from ..checks import Violation
from ..exchange import Exchange
from ..expect import expect_client_error, expect_counts_changed, expect_error, expect_success
from ..operations import STATS
from ._registry import Context, Skip, behaviour


@behaviour("stats", quiet=True)
def total_batches_match_listing(context: Context) -> None:
    """totalBatches counts the batches the list counts in `total` (both: every batch of the campaign)."""
    api = context.api
    before, stats, after = api.list_batches(limit=1), api.stats(), api.list_batches(limit=1)
    for exchange in (before, stats, after):
        expect_success(exchange)
    totals = before.data.get("total"), after.data.get("total")
    if totals[0] != totals[1]:
        raise Skip(f"the campaign changed during the check (list total {totals[0]}, then {totals[1]})")
    if stats.data.get("totalBatches") != totals[0]:
        raise Violation(
            f"Expected totalBatches {totals[0]}, the list's total; "
            f"received totalBatches {stats.data.get('totalBatches')!r}",
            stats,
        )


@behaviour("stats")
def missing_slug_rejected(context: Context) -> None:
    # slug is required; which 4xx is the deployment's choice.
    expect_client_error(context.api.call(STATS, query={}))


@behaviour("stats", creates=True, quiet=True)
def counts_grow_by_generated_batch(context: Context) -> None:
    """A batch of N codes without expiry adds exactly N to totalCodes and activeCodes, 1 to totalBatches."""
    api, size = context.api, min(3, context.settings.max_batch_size)
    before = api.stats()
    expect_success(before)
    expect_success(api.generate(batchSize=size))
    expect_counts_changed(
        before,
        api.stats(),
        {"totalCodes": size, "activeCodes": size, "totalBatches": 1},
        f"generating a batch of {size}",
    )


@behaviour("stats", creates=True, quiet=True)
def expired_codes_counted_as_expired(context: Context) -> None:
    """Codes past their batch's expiresAt count in expiredCodes: not in activeCodes, nor in revokedCodes."""
    api = context.api
    context.shared.target_now()  # first: reading the clock may generate a batch
    before = api.stats()
    expect_success(before)
    middle: list[Exchange] = []
    batch = context.shared.make_expired_batch(between=lambda: middle.append(api.stats()))
    after = api.stats()
    if not middle:  # expired as it was made
        counted = {"totalCodes": 2, "activeCodes": 0, "expiredCodes": 2, "revokedCodes": 0}
        expect_counts_changed(
            before, after, counted, f"generating 2 codes that expired at {batch.expires_at}"
        )
        return
    made = {"totalCodes": 2, "activeCodes": 2, "expiredCodes": 0, "revokedCodes": 0}
    expect_counts_changed(before, middle[0], made, f"generating 2 codes that expire at {batch.expires_at}")
    expired = {"totalCodes": 0, "activeCodes": -2, "expiredCodes": 2, "revokedCodes": 0}
    expect_counts_changed(middle[0], after, expired, f"the expiry of 2 codes at {batch.expires_at}")


@behaviour("stats")
def foreign_secret_campaign_not_found(context: Context) -> None:
    """Another partner's secret finds no campaign --slug: 404 (unless it has one of that slug)."""
    context.require("foreign_secret")
    exchange = context.api.stats(secret=FOREIGN)
    if exchange.succeeded:
        raise Skip(f"the other partner has a campaign {context.settings.slug} of its own")
    expect_error(exchange, 404)
