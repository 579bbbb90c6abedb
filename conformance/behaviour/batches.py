"""The batch list: a generated batch is in it, pages agree, totals count, other secrets see none of it.

The docs state no order. The example lists the newer batch first, and the mock does (D6); a
deployment may list oldest first, so a batch is looked for at both ends of the list.
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

from ..api import FOREIGN, OTHER_ENV
from ..checks import Violation
from ..exchange import CONFIGURED, Exchange
from ..expect import expect_client_error, expect_not_server_error, expect_success
from ..instants import parse_instant
from ..operations import BATCHES
from ._registry import Context, behaviour
from .shared import codes_of

PAGE = 20
INSTANT_FIELDS = ("createdAt", "expiresAt")
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


def listed(exchange: Exchange) -> list[dict[str, Any]]:
    expect_success(exchange)
    batches = exchange.data.get("batches")
    return [batch for batch in batches if isinstance(batch, dict)] if isinstance(batches, list) else []


def ids(exchange: Exchange) -> list[object]:
    return [batch.get("id") for batch in listed(exchange)]


def ends_of_list(context: Context, secret: str = CONFIGURED) -> list[Exchange]:
    """The first page, and the last two, of --slug's list: where a new batch is, in either order."""
    api = context.api
    first = api.list_batches(page=1, limit=PAGE, secret=secret)
    if not first.succeeded:
        return [first]
    total = first.data.get("total")
    last = math.ceil(total / PAGE) if type(total) is int and total > PAGE else 1
    return [
        first,
        *(
            api.list_batches(page=page, limit=PAGE, secret=secret)
            for page in range(max(last - 1, 2), last + 1)
        ),
    ]


def new_batch(context: Context, **fields: Any) -> dict[str, Any]:
    exchange = context.api.generate(**fields)
    codes_of(exchange)
    batch = exchange.data.get("batch")
    if not isinstance(batch, dict) or not batch.get("id"):
        raise Violation(f"Expected the new batch and its id; received {exchange.describe_answer()}", exchange)
    return batch


def differences(generated: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Fields of the generated batch the list shows otherwise (instants compared as instants)."""
    different = []
    for name, value in generated.items():
        if name in INSTANT_FIELDS and isinstance(value, str) and isinstance(found.get(name), str):
            try:
                if abs(parse_instant(value) - parse_instant(found[name])) < timedelta(seconds=1):
                    continue
            except ValueError:
                pass
        if found.get(name) != value:
            different.append(f"{name} {found.get(name)!r} for {value!r}")
    return different


@behaviour("batches", creates=True, quiet=True)
def generated_batch_listed(context: Context) -> None:
    size = min(2, context.settings.max_batch_size)
    generated = new_batch(context, batchSize=size, pointsValue=7, label=f"conformance {uuid.uuid4().hex[:8]}")
    pages = ends_of_list(context)
    found = next(
        (batch for page in pages for batch in listed(page) if batch.get("id") == generated["id"]), None
    )
    if found is None:
        shown = [batch_id for page in pages for batch_id in ids(page)]
        raise Violation(
            f"Expected the new batch {generated['id']} at one end of the list; received ids {shown}",
            pages[-1],
        )
    if different := differences(generated, found):
        raise Violation(
            f"Expected the listed batch to be the one generated; received {'; '.join(different)}", pages[0]
        )


@behaviour("batches", creates=True, quiet=True)
def total_counts_new_batches(context: Context) -> None:
    api = context.api
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


@behaviour("batches", quiet=True)
def pages_agree(context: Context) -> None:
    """Two pages of one batch each are the first page of two, with the same total."""
    api = context.api
    first, second, both = (
        api.list_batches(page=1, limit=1),
        api.list_batches(page=2, limit=1),
        api.list_batches(page=1, limit=2),
    )
    for exchange in (first, second, both):
        expect_success(exchange)
    totals = [exchange.data.get("total") for exchange in (first, second, both)]
    if len(set(totals)) != 1:
        raise Violation(f"Expected one total on every page; received totals {totals}", second)
    if ids(first) + ids(second) != ids(both):
        raise Violation(
            f"Expected pages 1 and 2 at limit 1 to be page 1 at limit 2, {ids(both)}; "
            f"received {ids(first)} and {ids(second)}",
            second,
        )


@behaviour("batches")
def page_past_the_end_not_server_error(context: Context) -> None:
    expect_not_server_error(context.api.list_batches(page=10**6, limit=1))


@behaviour("batches")
def missing_slug_rejected(context: Context) -> None:
    # slug is required; which 4xx is the deployment's choice.
    expect_client_error(context.api.call(BATCHES, query={}))


@behaviour("batches", cases=ODD_QUERIES)
def odd_query_not_server_error(context: Context, query: dict[str, str]) -> None:
    expect_not_server_error(context.api.list_batches(**query))


def expect_none_of_the_run(context: Context, secret: str, who: str) -> None:
    """The list of --slug seen with `secret`: a 404, or a list without the batch just generated."""
    generated = new_batch(context)
    pages = ends_of_list(context, secret)
    if pages[0].status == 404:
        return
    if not pages[0].succeeded:
        raise Violation(
            f"Expected 404, or a list without the --api-secret's batches, for {context.settings.slug} seen "
            f"with {who}; received {pages[0].describe_answer()}",
            pages[0],
        )
    shown = {batch_id for page in pages for batch_id in ids(page)}
    if generated["id"] in shown:
        raise Violation(
            f"Expected the list of {context.settings.slug} seen with {who} to be a 404, or to hold none of "
            f"the batches of the --api-secret; received the batch {generated['id']} just generated",
            pages[0],
        )


@behaviour("batches", creates=True)
def foreign_secret_campaign_not_found(context: Context) -> None:
    context.require("foreign_secret")
    expect_none_of_the_run(context, FOREIGN, "another partner's secret")


@behaviour("batches", creates=True)
def other_env_lists_none_of_the_run(context: Context) -> None:
    context.require("other_env_secret")
    expect_none_of_the_run(context, OTHER_ENV, "the other environment's secret")
