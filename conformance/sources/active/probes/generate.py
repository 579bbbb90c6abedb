"""Generate at its documented boundaries, with values that have no exact integer reading, and with
bodies no server can make a batch of."""

from __future__ import annotations

from collections.abc import Callable

from ....judge.operations import GENERATE
from ....judge.rules import BY_ID
from ..target import BOUNDARY, largest_batch
from ._registry import Skip, probe
from .shared import Context

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
# batchSize is an integer: these have no exact integer reading, and no sane server takes them.
# Each stays under --max-batch-size however it is rounded: a fraction below the cap.
NOT_INTEGERS = {
    "fraction": lambda cap: min(3.7, cap - 0.3),
    "fraction-as-text": lambda cap: str(min(2.5, cap - 0.5)),
    "not-a-number": lambda cap: "1e0.5",
    "words": lambda cap: "3 codes",
}
REQUEST = BY_ID["generate.request"]
RANGE = BY_ID["generate.batch-size-range"]


def needs_codes(context: Context, count: int) -> None:
    """Skip, as held back, a request for `count` codes the run may not ask for."""
    allowed = largest_batch(context.settings)
    if count > allowed:
        what = f"batchSize {count:,}: it would mint {count:,} codes if the target ignored validation"
        context.target.traffic.hold_back(what)
        raise Skip(f"held back: {what}", needs=f"--max-batch-size {count}")


@probe("generate", shows=(RANGE,))
def batch_size_0(context: Context) -> None:
    context.target.generate(batchSize=0)


@probe("generate", shows=(RANGE,))
def batch_size_10001(context: Context) -> None:
    needs_codes(context, BOUNDARY + 1)
    context.target.generate(batchSize=BOUNDARY + 1)


@probe("generate", shows=(REQUEST,))
def batch_size_1(context: Context) -> None:
    context.target.generate(batchSize=1)


@probe("generate", shows=(REQUEST,))
def batch_size_10000(context: Context) -> None:
    if context.settings.max_batch_size < BOUNDARY:
        raise Skip(
            f"--max-batch-size {context.settings.max_batch_size} is below {BOUNDARY:,}",
            needs=f"--max-batch-size {BOUNDARY}",
        )
    context.target.generate(batchSize=BOUNDARY)


@probe("generate", shows=(REQUEST,), cases=NOT_INTEGERS)
def batch_size_not_an_integer(context: Context, value: Callable[[int], object]) -> None:
    """A batchSize with no exact integer reading: taking it as some integer breaks the docs."""
    context.target.generate(batchSize=value(context.settings.max_batch_size))


@probe("generate", shows=(BY_ID["generate.points-positive"],))
def points_value_0(context: Context) -> None:
    context.target.generate(pointsValue=0)


@probe("generate", shows=(REQUEST,))
def points_value_1(context: Context) -> None:
    context.target.generate(pointsValue=1)


@probe("generate", shows=(REQUEST,))
def without_slug(context: Context) -> None:
    context.target.call(GENERATE, body={"batchSize": 1, "pointsValue": 1})


@probe("generate", shows=(REQUEST, BY_ID["status.no-server-error"]), cases=MALFORMED_BODIES)
def malformed_body(context: Context, body: bytes) -> None:
    context.target.call(GENERATE, raw=body)


@probe("generate", shows=(BY_ID["status.no-server-error"],), cases=OTHER_CONTENT_TYPES)
def other_content_type(context: Context, content_type: str | None) -> None:
    body = f'{{"slug": "{context.settings.slug}", "batchSize": 1, "pointsValue": 1}}'.encode()
    context.target.call(GENERATE, raw=body, content_type=content_type)
