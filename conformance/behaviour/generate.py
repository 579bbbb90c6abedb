"""Generate at its documented boundaries, and its refusal of bodies no server can make a batch of."""

from __future__ import annotations

from ..api import BOUNDARY, largest_batch
from ..expect import expect_client_error, expect_error, expect_not_server_error, expect_success
from ..operations import GENERATE
from ._registry import Context, Skip, behaviour

# The generate page's error table.
BATCH_SIZE_RANGE = "batchSize must be between 1 and 10000"
POINTS_POSITIVE = "pointsValue must be positive"
# Bodies no server can make a batch of; their ids name them in the summary.
MALFORMED_BODIES = {
    "truncated-json": b'{"slug": "x", "batchSize": ',
    "json-array": b"[]",
    "json-null": b"null",
    "json-string": b'"summer-promo"',
    "empty": b"",
    "not-utf8": b'{"slug": "\xff\xfe"}',
    "deep-nesting": b"[" * 10000 + b"]" * 10000,
}
# The docs require application/json and say nothing of what else gets: anything but a crash.
OTHER_CONTENT_TYPES = {"text-plain": "text/plain", "form": "application/x-www-form-urlencoded", "none": None}


def needs_codes(context: Context, count: int) -> None:
    """Skip, as held back, a request for `count` codes the run may not ask for."""
    allowed = largest_batch(context.settings)
    if count > allowed:
        what = f"batchSize {count:,}: it would mint {count:,} codes if the target ignored validation"
        context.ledger.hold_back(what)
        raise Skip(f"held back: {what}", needs=f"--max-batch-size {count}")


@behaviour("generate")
def batch_size_0_rejected(context: Context) -> None:
    expect_error(context.api.generate(batchSize=0), 400, BATCH_SIZE_RANGE)


@behaviour("generate")
def batch_size_10001_rejected(context: Context) -> None:
    needs_codes(context, BOUNDARY + 1)
    expect_error(context.api.generate(batchSize=BOUNDARY + 1), 400, BATCH_SIZE_RANGE)


@behaviour("generate")
def batch_size_1_accepted(context: Context) -> None:
    expect_success(context.api.generate(batchSize=1))


@behaviour("generate")
def batch_size_10000_accepted(context: Context) -> None:
    if context.settings.max_batch_size < BOUNDARY:
        raise Skip(
            f"--max-batch-size {context.settings.max_batch_size} is below {BOUNDARY:,}",
            needs=f"--max-batch-size {BOUNDARY}",
        )
    expect_success(context.api.generate(batchSize=BOUNDARY))


@behaviour("generate")
def points_value_0_rejected(context: Context) -> None:
    expect_error(context.api.generate(pointsValue=0), 400, POINTS_POSITIVE)


@behaviour("generate")
def points_value_1_accepted(context: Context) -> None:
    expect_success(context.api.generate(pointsValue=1))


@behaviour("generate")
def missing_slug_rejected(context: Context) -> None:
    # Without a campaign there is nothing to generate; which 4xx is the deployment's choice.
    expect_client_error(context.api.call(GENERATE, body={"batchSize": 1, "pointsValue": 1}))


@behaviour("generate", cases=MALFORMED_BODIES)
def malformed_body_rejected(context: Context, body: bytes) -> None:
    expect_client_error(context.api.call(GENERATE, raw=body))


@behaviour("generate", cases=OTHER_CONTENT_TYPES)
def other_content_type_not_server_error(context: Context, content_type: str | None) -> None:
    body = f'{{"slug": "{context.settings.slug}", "batchSize": 1, "pointsValue": 1}}'.encode()
    expect_not_server_error(context.api.call(GENERATE, raw=body, content_type=content_type))
