"""Documented behaviour of listing batches that needs no new batch: pages agree, bad queries do not crash."""

from __future__ import annotations

from typing import Any

import pytest

from .api import Api
from .checks import Violation
from .expect import expect_client_error, expect_not_server_error, expect_success
from .operations import BATCHES

pytestmark = pytest.mark.batches

# Queries the contract does not define an answer for: anything but a crash.
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


def _ids(exchange: Any) -> list[object]:
    return [batch.get("id") for batch in exchange.data.get("batches", []) if isinstance(batch, dict)]


def test_pages_agree(api: Api) -> None:
    """Two pages of one batch each are the first page of two, with the same total."""
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
    if _ids(first) + _ids(second) != _ids(both):
        raise Violation(
            f"Expected pages 1 and 2 at limit 1 to be page 1 at limit 2, {_ids(both)}; "
            f"received {_ids(first)} and {_ids(second)}",
            second,
        )


def test_page_past_the_end_not_server_error(api: Api) -> None:
    expect_not_server_error(api.list_batches(page=10**6, limit=1))


def test_missing_slug_rejected(api: Api) -> None:
    # slug is required; which 4xx is the deployment's choice.
    expect_client_error(api.call(BATCHES, query={}))


@pytest.mark.parametrize("query", ODD_QUERIES.values(), ids=ODD_QUERIES.keys())
def test_odd_query_not_server_error(api: Api, query: dict[str, str]) -> None:
    expect_not_server_error(api.list_batches(**query))
