"""Documented behaviour of a successful code-stats answer, beyond what its schema can say."""

from __future__ import annotations

from ..exchange import Exchange
from ..ledger import Ledger
from ._registry import Violation, response_check

# The four statuses a code can have (the verify page), one count each.
STATUS_COUNTS = ("activeCodes", "redeemedCodes", "expiredCodes", "revokedCodes")
# The generate page: a batch holds 1 to 10,000 codes.
LARGEST_BATCH = 10000


def counts(exchange: Exchange, *names: str) -> tuple[int, ...] | None:
    """The named counts of a stats answer, None unless every one is an integer."""
    values = tuple(exchange.data.get(name) for name in names)
    return values if all(type(value) is int for value in values) else None  # type: ignore[return-value]


@response_check("stats")
def stats_add_up(exchange: Exchange, _ledger: Ledger) -> None:
    """totalCodes = activeCodes + redeemedCodes + expiredCodes + revokedCodes, as in the docs' example."""
    numbers = counts(exchange, "totalCodes", *STATUS_COUNTS)
    if numbers is None:
        return  # the shape is response_schema_conformance's to report
    total, *parts = numbers
    if total != sum(parts):
        shown = " + ".join(f"{name} {value}" for name, value in zip(STATUS_COUNTS, parts, strict=True))
        raise Violation(f"Expected totalCodes = {shown} = {sum(parts)}; received totalCodes {total}")


@response_check("stats")
def stats_codes_within_batches(exchange: Exchange, _ledger: Ledger) -> None:
    """Each batch holds 1 to 10,000 codes: totalBatches <= totalCodes <= 10,000 x totalBatches."""
    numbers = counts(exchange, "totalCodes", "totalBatches")
    if numbers is None:
        return
    total, batches = numbers
    if not batches <= total <= LARGEST_BATCH * batches:
        raise Violation(
            f"Expected totalCodes between totalBatches and {LARGEST_BATCH} x totalBatches; "
            f"received totalCodes {total} for totalBatches {batches}"
        )
