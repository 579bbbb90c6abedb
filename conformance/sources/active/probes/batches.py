"""The batch list: a batch generated, then the list around it; pages of one list; odd queries; the
list seen with other secrets."""

from __future__ import annotations

import math
import uuid
from typing import Any

from ....judge import Exchange
from ....judge.operations import BATCHES
from ....judge.roles import FOREIGN, OTHER_ENV
from ....judge.rules import BY_ID
from ..target import API
from ._registry import Skip, probe
from .shared import Context, codes_of

PAGE = 20
WHOLE_LIST = 10  # pages of PAGE the probe reads to see a whole list; past that, the ends only
# Queries the contract defines no answer for: anything but a crash.
ODD_QUERIES = {
    "page-text": {"page": "abc"},
    "page-0": {"page": "0"},
    "page-fraction": {"page": "1.5"},
    "page-huge": {"page": "9" * 40},
    "limit-0": {"limit": "0"},
    "limit-negative": {"limit": "-1"},
    "limit-huge": {"limit": "9" * 40},
    "limit-text": {"limit": "ten"},
}
LISTED = BY_ID["batches.lists-generated"]
PAGES = BY_ID["batches.pagination"]
COUNTS = BY_ID["stats.follow-what-happened"]


def read_list(context: Context, secret: str = API) -> list[Exchange]:
    """Every page of --slug's list when it is short enough, else the first page and the last two."""
    target = context.target
    first = target.list_batches(page=1, limit=PAGE, secret=secret)
    total = first.data.get("total")
    if not first.succeeded or type(total) is not int or total <= PAGE:
        return [first]
    last = math.ceil(total / PAGE)
    pages = range(2, last + 1) if last <= WHOLE_LIST else range(max(last - 1, 2), last + 1)
    return [first, *(target.list_batches(page=page, limit=PAGE, secret=secret) for page in pages)]


def new_batch(context: Context, **fields: Any) -> dict[str, Any]:
    exchange = context.target.generate(**fields)
    codes_of(exchange)
    batch = exchange.data.get("batch")
    if not isinstance(batch, dict) or not batch.get("id"):
        raise Skip(
            f"precondition failed: generate answered {exchange.describe_answer(120)}, with no batch id"
        )
    return batch


@probe("batches", shows=(LISTED, PAGES), creates=True, quiet=True)
def generated_then_listed(context: Context) -> None:
    size = min(2, context.settings.max_batch_size)
    new_batch(context, batchSize=size, pointsValue=7, label=f"conformance {uuid.uuid4().hex[:8]}")
    read_list(context)


@probe("batches", shows=(COUNTS,), creates=True, quiet=True)
def total_before_and_after_two_batches(context: Context) -> None:
    target = context.target
    target.list_batches(limit=1)
    for _ in range(2):
        target.generate()
    target.list_batches(limit=1)


@probe("batches", shows=(PAGES,), quiet=True)
def two_pages_and_both_in_one(context: Context) -> None:
    """Pages 1 and 2 at limit 1, and page 1 at limit 2: the judge holds them to one list."""
    target = context.target
    target.list_batches(page=1, limit=1)
    target.list_batches(page=2, limit=1)
    target.list_batches(page=1, limit=2)


@probe("batches", shows=(BY_ID["status.no-server-error"],))
def page_past_the_end(context: Context) -> None:
    context.target.list_batches(page=10**6, limit=1)


@probe("batches", shows=(BY_ID["batches.request"],))
def without_slug(context: Context) -> None:
    context.target.call(BATCHES, query={})


@probe("batches", shows=(BY_ID["status.no-server-error"],), cases=ODD_QUERIES)
def odd_query(context: Context, query: dict[str, str]) -> None:
    context.target.list_batches(**query)


@probe("batches", shows=(BY_ID["isolation.partner"],), creates=True)
def listed_to_another_partner(context: Context) -> None:
    context.require("foreign_secret")
    new_batch(context)
    read_list(context, FOREIGN)


@probe("batches", shows=(BY_ID["isolation.environment"],), creates=True)
def listed_to_the_other_environment(context: Context) -> None:
    context.require("other_env_secret")
    new_batch(context)
    read_list(context, OTHER_ENV)
