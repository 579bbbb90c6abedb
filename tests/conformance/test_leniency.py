"""Where the docs leave the answer to the deployment: lenient readings, and plain requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.judge.contract import Contract
from conformance.judge.leniency import is_plain, readable_body, readable_query, taking_is_lenient
from conformance.judge.rules import claims

CONTRACT = Contract.load()
DOCUMENT = CONTRACT.documented({"generateCodes", "listCodeBatches", "verifyCode"}, claims())
GENERATE = CONTRACT.request_schema(DOCUMENT, "generateCodes")
VERIFY = CONTRACT.request_schema(DOCUMENT, "verifyCode")
LIST = CONTRACT.query_parameters(DOCUMENT, "listCodeBatches")
BODY = {"slug": "summer-promo", "batchSize": 5, "pointsValue": 10}


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "batchSize": "5"},
        {**BODY, "batchSize": 5.0},
        {**BODY, "batchSize": True},
        {**BODY, "label": None},
        {**BODY, "expiresAt": "not a date"},
        {**BODY, "unknown": [1]},
        {**BODY, "slug": 42},
    ],
    ids=["text", "float", "true", "null-label", "bad-expiry", "unknown-field", "number-slug"],
)
def test_a_deployment_may_read_these_bodies_as_valid(body: Any) -> None:
    assert readable_body(GENERATE, body)


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "batchSize": 0},
        {**BODY, "batchSize": "10001"},
        {**BODY, "pointsValue": -1},
        {**BODY, "batchSize": 2.5},
        {"batchSize": 5, "pointsValue": 1},
        {**BODY, "slug": None},
        {**BODY, "slug": ""},
        [BODY],
        None,
    ],
    ids=[
        "size-0",
        "size-10001",
        "points-negative",
        "fraction",
        "no-slug",
        "null-slug",
        "empty-slug",
        "array",
        "null",
    ],
)
def test_no_reading_makes_these_bodies_valid(body: Any) -> None:
    assert not readable_body(GENERATE, body)


def test_queries_are_read_with_defaults_for_what_is_odd() -> None:
    assert readable_query(LIST, {"slug": "summer-promo", "page": "abc", "limit": "-1"})
    assert not readable_query(LIST, {"page": "1"})
    assert not readable_query(LIST, {"slug": ""})


def test_verify_refuses_with_a_verdict_too() -> None:
    not_valid = {"status": "success", "data": {"valid": False, "message": "Code not found"}}
    assert taking_is_lenient("verifyCode", VERIFY, {}, {}, {}, not_valid)
    assert not taking_is_lenient(
        "verifyCode", VERIFY, {}, {}, {}, {"status": "success", "data": {"valid": True}}
    )


@pytest.mark.parametrize(
    ("operation", "body", "query", "plain"),
    [
        ("generateCodes", BODY, {}, True),
        ("generateCodes", {**BODY, "label": "Till receipts", "expiresAt": "2031-01-01T00:00:00Z"}, {}, True),
        ("generateCodes", {**BODY, "label": "é"}, {}, False),
        ("generateCodes", {**BODY, "pointsValue": 10_001}, {}, False),
        ("generateCodes", {**BODY, "expiresAt": "2001-01-01T00:00:00Z"}, {}, False),
        ("generateCodes", {**BODY, "slug": "other"}, {}, False),
        ("generateCodes", {**BODY, "batchSize": 10_000}, {}, True),
        ("generateCodes", {**BODY, "batchSize": 10_001}, {}, False),
        ("generateCodes", {**BODY, "x": 1}, {}, False),
        ("listCodeBatches", None, {"slug": "summer-promo", "page": "3", "limit": "20"}, True),
        ("listCodeBatches", None, {"slug": "summer-promo", "limit": "21"}, False),
        ("verifyCode", {"code": "SUMM-AX7K9M2P"}, {}, True),
        ("verifyCode", {"code": "x" * 41}, {}, False),
        ("redeemCode", {"code": "SUMM-AX7K9M2P", "userId": "u"}, {}, False),
    ],
)
def test_only_plain_requests_must_be_taken(operation: str, body: Any, query: dict, plain: bool) -> None:
    reached = {"summer-promo"}.__contains__  # the campaign the secret was answered a 2xx for
    assert is_plain(operation, body, query, reached) is plain


def test_an_expiry_is_plain_by_the_targets_clock() -> None:
    later = {**BODY, "expiresAt": "2031-01-01T00:00:00Z"}
    assert is_plain(
        "generateCodes", later, {}, {"summer-promo"}.__contains__, datetime(2030, 6, 1, tzinfo=UTC)
    )
    assert not is_plain(
        "generateCodes", later, {}, {"summer-promo"}.__contains__, datetime(2031, 6, 1, tzinfo=UTC)
    )
