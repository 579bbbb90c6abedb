"""Stats: the counts of one answer agree with each other (counts.py holds them to what happened)."""

from __future__ import annotations

from ..exchange import Exchange
from ..findings import Violation
from ..leniency import LARGEST_BATCH
from ..memory import Memory
from ._registry import Answers, check

# The four statuses a code can have (the verify page), one count each.
STATUS_COUNTS = ("activeCodes", "redeemedCodes", "expiredCodes", "revokedCodes")


def counts(exchange: Exchange, *names: str) -> tuple[int, ...] | None:
    """The named counts of a stats answer, None unless every one is an integer."""
    values = tuple(exchange.data.get(name) for name in names)
    return values if all(type(value) is int for value in values) else None  # type: ignore[return-value]


@check("stats", answers=Answers.SUCCESS)
def stats_add_up(exchange: Exchange, _memory: Memory) -> bool | None:
    """totalCodes = activeCodes + redeemedCodes + expiredCodes + revokedCodes, as in the docs' example."""
    numbers = counts(exchange, "totalCodes", *STATUS_COUNTS)
    if numbers is None:
        return None  # the shape is response_schema_conformance's to report
    total, *parts = numbers
    if total != sum(parts):
        shown = " + ".join(f"{name} {value}" for name, value in zip(STATUS_COUNTS, parts, strict=True))
        raise Violation(f"Expected totalCodes = {shown} = {sum(parts)}; received totalCodes {total}")
    return True


@check("stats", answers=Answers.SUCCESS)
def stats_codes_within_batches(exchange: Exchange, _memory: Memory) -> bool | None:
    """Each batch holds 1 to 10,000 codes: totalBatches <= totalCodes <= 10,000 x totalBatches."""
    numbers = counts(exchange, "totalCodes", "totalBatches")
    if numbers is None:
        return None
    total, batches = numbers
    if not batches <= total <= LARGEST_BATCH * batches:
        raise Violation(
            f"Expected totalCodes between totalBatches and {LARGEST_BATCH} x totalBatches; "
            f"received totalCodes {total} for totalBatches {batches}"
        )
    return True
