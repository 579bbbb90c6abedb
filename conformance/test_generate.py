"""Documented behaviour of generate at its boundaries, and its refusal of malformed bodies."""

from __future__ import annotations

import pytest

from .api import Api
from .expect import expect_client_error, expect_error, expect_not_server_error, expect_success
from .operations import GENERATE
from .settings import Settings

pytestmark = [pytest.mark.generate, pytest.mark.creates]

# The generate page's error table.
BATCH_SIZE_RANGE = "batchSize must be between 1 and 10000"
POINTS_POSITIVE = "pointsValue must be positive"
LARGEST_BATCH = 10000

# Bodies no server can make a batch of; `id` names each in the summary.
MALFORMED_BODIES = {
    "truncated-json": b'{"slug": "x", "batchSize": ',
    "json-array": b"[]",
    "json-null": b"null",
    "json-string": b'"summer-promo"',
    "empty": b"",
    "not-utf8": b'{"slug": "\xff\xfe"}',
    "deep-nesting": b"[" * 10000 + b"]" * 10000,
}


def test_batch_size_0_rejected(api: Api) -> None:
    expect_error(api.generate(batchSize=0), 400, BATCH_SIZE_RANGE)


def test_batch_size_10001_rejected(api: Api) -> None:
    # Sent even against production: a conforming server creates nothing.
    expect_error(api.generate(batchSize=LARGEST_BATCH + 1), 400, BATCH_SIZE_RANGE)


def test_batch_size_1_accepted(api: Api) -> None:
    expect_success(api.generate(batchSize=1))


def test_batch_size_10000_accepted(api: Api, settings: Settings) -> None:
    if settings.max_batch_size < LARGEST_BATCH:
        pytest.skip(f"--max-batch-size {settings.max_batch_size} is below {LARGEST_BATCH}")
    expect_success(api.generate(batchSize=LARGEST_BATCH))


def test_points_value_0_rejected(api: Api) -> None:
    expect_error(api.generate(pointsValue=0), 400, POINTS_POSITIVE)


def test_points_value_1_accepted(api: Api) -> None:
    expect_success(api.generate(pointsValue=1))


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_body_rejected(api: Api, body: bytes) -> None:
    expect_client_error(api.call(GENERATE, raw=body))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_other_content_type_not_server_error(api: Api, settings: Settings, content_type: str | None) -> None:
    # The docs require application/json but say nothing of what else gets: anything but a crash.
    body = f'{{"slug": "{settings.slug}", "batchSize": 1, "pointsValue": 1}}'.encode()
    expect_not_server_error(api.call(GENERATE, raw=body, content_type=content_type))
