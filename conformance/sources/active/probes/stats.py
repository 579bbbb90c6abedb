"""Code stats around what the run does alone: a batch generated, codes expiring, the list's total
beside totalBatches; and the stats seen with another partner's secret."""

from __future__ import annotations

from ....judge.operations import STATS
from ....judge.roles import FOREIGN
from ....judge.rules import BY_ID
from ._registry import probe
from .shared import Context

COUNTS = BY_ID["stats.follow-what-happened"]


@probe("stats", shows=(COUNTS,), quiet=True)
def list_stats_list(context: Context) -> None:
    """The list's total, the stats, the list's total again: totalBatches is the list's total."""
    target = context.target
    target.list_batches(limit=1)
    target.stats()
    target.list_batches(limit=1)


@probe("stats", shows=(BY_ID["stats.request"],))
def without_slug(context: Context) -> None:
    context.target.call(STATS, query={})


@probe("stats", shows=(COUNTS,), creates=True, quiet=True)
def around_a_generated_batch(context: Context) -> None:
    target, size = context.target, min(3, context.settings.max_batch_size)
    target.stats()
    target.generate(batchSize=size)
    target.stats()


@probe("stats", shows=(COUNTS, BY_ID["codes.expire"]), creates=True, quiet=True)
def around_expiring_codes(context: Context) -> None:
    """Stats before two codes that expire, (while they have not yet,) and after."""
    target = context.target
    context.shared.target_now()  # first: reading the clock may generate a batch
    target.stats()
    context.shared.make_expired_batch(between=target.stats)
    target.stats()


@probe("stats", shows=(BY_ID["isolation.partner"],))
def seen_by_another_partner(context: Context) -> None:
    context.require("foreign_secret")
    context.target.stats(secret=FOREIGN)
