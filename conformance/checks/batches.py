"""Documented behaviour of a successful list-batches answer, beyond what its schema can say."""

from __future__ import annotations

import re

from ..exchange import Exchange
from ..ledger import Ledger
from ..leniency import PLAIN_LIMIT, PLAIN_PAGE
from ._registry import Violation, listed, response_check

# The list-batches page documents page (default 1) and limit (default 20), and no range: a
# deployment may cap either (refuse it, or answer with another). It must honour plain ones.
DEFAULT_PAGE, DEFAULT_LIMIT = 1, 20
# Whatever could be a code in an answer's text: letters, digits and hyphens.
_TOKENS = re.compile(r"[A-Za-z0-9-]+")


def _batches(exchange: Exchange) -> list[dict]:
    batches = exchange.data.get("batches")
    return [batch for batch in batches if isinstance(batch, dict)] if isinstance(batches, list) else []


def _asked(exchange: Exchange, name: str) -> int | None:
    text = exchange.query.get(name)
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _integers(exchange: Exchange, *names: str) -> tuple[int, ...] | None:
    values = tuple(exchange.data.get(name) for name in names)
    return values if all(type(value) is int for value in values) else None  # type: ignore[return-value]


@response_check("batches")
def listing_has_no_codes(exchange: Exchange, ledger: Ledger) -> None:
    """Batches carry metadata only: no `codes` field, no code of this run anywhere."""
    leaks = [
        f"batch {batch.get('id')} has {key!r}"
        for batch in _batches(exchange)
        for key in ("codes", "code")
        if key in batch
    ]
    leaks += [
        f"code {token}" for token in set(_TOKENS.findall(exchange.text)) if ledger.generated_batch(token)
    ]
    if leaks:
        raise Violation(f"Expected batch metadata without codes; received {listed(leaks)}")


@response_check("batches")
def listing_echoes_pagination(exchange: Exchange, _ledger: Ledger) -> None:
    """`page` and `limit` are the ones asked for (plain ones: leniency.py); 1 and 20 when not given."""
    expected: dict[str, int] = {}
    for name, default, plain in (("page", DEFAULT_PAGE, PLAIN_PAGE), ("limit", DEFAULT_LIMIT, PLAIN_LIMIT)):
        asked = _asked(exchange, name)
        if name not in exchange.query:
            expected[name] = default
        elif asked in plain:
            expected[name] = asked  # other values are the deployment's to refuse, clamp or cap
    wrong = {
        name: exchange.data.get(name) for name, value in expected.items() if exchange.data.get(name) != value
    }
    if wrong:
        received = ", ".join(f"{name} {value!r}" for name, value in wrong.items())
        asked = ", ".join(f"{name} {value}" for name, value in expected.items())
        raise Violation(f"Expected {asked}; received {received}")


@response_check("batches")
def listing_within_limit(exchange: Exchange, _ledger: Ledger) -> None:
    """A page holds at most `limit` batches."""
    limit = exchange.data.get("limit")
    if type(limit) is int and len(_batches(exchange)) > limit:
        raise Violation(f"Expected at most limit={limit} batches; received {len(_batches(exchange))}")


@response_check("batches")
def listing_total_consistent(exchange: Exchange, _ledger: Ledger) -> None:
    """`total` agrees with the page: a short page is the last one, a full page is not past the end."""
    numbers = _integers(exchange, "total", "page", "limit")
    if numbers is None:
        return
    total, page, limit = numbers
    shown, before = len(_batches(exchange)), (page - 1) * limit
    if 0 < shown < limit:
        expected, holds = (
            f"exactly {before + shown} (a short page {page} is the last)",
            total == before + shown,
        )
    elif shown == limit and shown > 0:
        expected, holds = f"at least {before + shown}", total >= before + shown
    else:
        expected, holds = f"at most {before} (page {page} is empty)", total <= before
    if not holds:
        raise Violation(
            f"Expected total {expected} with {shown} batches at limit {limit}; received total {total}"
        )
