"""The batch list: pages as asked, totals that add up, no codes, and every batch seen generated where
the list's own order puts it.

The docs state no order. The example lists the newer batch first; a deployment may list oldest
first: the judge reads the order from the pages it sees, and looks for a batch only on a page
whose order must hold it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..exchange import Exchange
from ..findings import Violation
from ..instants import parse_instant
from ..leniency import PLAIN_LIMIT, PLAIN_PAGE
from ..memory import Batch, Memory
from ._registry import Answers, check, listed

# The list-batches page documents page (default 1) and limit (default 20), and no range: a
# deployment may cap either (refuse it, or answer with another). It must honour plain ones.
DEFAULT_PAGE, DEFAULT_LIMIT = 1, 20
# Whatever could be a code in an answer's text: letters, digits and hyphens.
_TOKENS = re.compile(r"[A-Za-z0-9-]+")
# The fields of a batch the docs show; a listing may add its own.
BATCH_FIELDS = ("id", "campaignId", "batchSize", "pointsValue", "label", "expiresAt", "createdAt")
INSTANT_FIELDS = ("createdAt", "expiresAt")


def batches_of(exchange: Exchange) -> list[dict[str, Any]]:
    batches = exchange.data.get("batches")
    return [batch for batch in batches if isinstance(batch, dict)] if isinstance(batches, list) else []


def _asked(exchange: Exchange, name: str) -> int | None:
    text = exchange.query.get(name)
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _integers(exchange: Exchange, *names: str) -> tuple[int, ...] | None:
    values = tuple(exchange.data.get(name) for name in names)
    return values if all(type(value) is int for value in values) else None  # type: ignore[return-value]


@check("batches", answers=Answers.SUCCESS)
def listing_has_no_codes(exchange: Exchange, memory: Memory) -> bool | None:
    """Batches carry metadata only: no `codes` field, and no code seen generated anywhere."""
    leaks = [
        f"batch {batch.get('id')} has {key!r}"
        for batch in batches_of(exchange)
        for key in ("codes", "code")
        if key in batch
    ]
    seen = sorted(memory.codes.keys() & set(_TOKENS.findall(exchange.text)))
    leaks += [f"code {token}" for token in seen]
    if leaks:
        raise Violation(
            f"Expected batch metadata without codes; received {listed(leaks)}",
            *sorted({memory.codes[token].exchange for token in seen}),
        )
    return True


@check("batches", answers=Answers.SUCCESS)
def listing_echoes_pagination(exchange: Exchange, _memory: Memory) -> bool | None:
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
    return True if expected else None


@check("batches", answers=Answers.SUCCESS)
def listing_within_limit(exchange: Exchange, _memory: Memory) -> bool | None:
    """A page holds at most `limit` batches."""
    limit = exchange.data.get("limit")
    if type(limit) is not int:
        return None
    if len(batches_of(exchange)) > limit:
        raise Violation(f"Expected at most limit={limit} batches; received {len(batches_of(exchange))}")
    return True


@check("batches", answers=Answers.SUCCESS)
def listing_total_consistent(exchange: Exchange, _memory: Memory) -> bool | None:
    """`total` agrees with the page: a short page is the last one, a full page is not past the end."""
    numbers = _integers(exchange, "total", "page", "limit")
    if numbers is None:
        return None
    total, page, limit = numbers
    shown, before = len(batches_of(exchange)), (page - 1) * limit
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
    return True


def _places(exchange: Exchange) -> dict[int, str] | None:
    """The places of the whole list (0 first) this page shows: place -> batch id."""
    numbers = _integers(exchange, "total", "page", "limit")
    if numbers is None:
        return None
    _total, page, limit = numbers
    return {
        (page - 1) * limit + offset: str(batch.get("id")) for offset, batch in enumerate(batches_of(exchange))
    }


@check("batches", answers=Answers.SUCCESS)
def pages_agree(exchange: Exchange, memory: Memory) -> bool | None:
    """Pages of one total are one list: a place of the list holds one batch, whatever the page and limit
    that show it (batches are never removed, so an unchanged total is an unchanged list)."""
    slug, total = exchange.query.get("slug"), exchange.data.get("total")
    places = _places(exchange)
    if places is None or slug is None:
        return None
    known = memory.places.get((exchange.secret, slug, total), {})  # type: ignore[arg-type]
    instants = {str(batch.get("id")): batch.get("createdAt") for batch in batches_of(exchange)}
    clashes, earlier = [], set()
    for place, batch_id in places.items():
        if (
            place in known
            and known[place].batch != batch_id
            and known[place].created_at != instants[batch_id]
        ):
            # Batches of one instant may come in any order; a place of another instant is another list.
            clashes.append(f"place {place + 1}: {batch_id}, where {known[place].batch} was")
            earlier.add(known[place].exchange)
    if clashes:
        raise Violation(
            f"Expected one list for one total ({total}); received {listed(clashes)}", *sorted(earlier)
        )
    return True


@check("batches", answers=Answers.SUCCESS)
def generated_batch_listed(exchange: Exchange, memory: Memory) -> bool | None:
    """A batch seen generated by this secret for the campaign is in its list, with the metadata generate
    gave: on the page the list's order puts it, and on one of the pages once every page of one total
    was seen."""
    slug, numbers = exchange.query.get("slug"), _integers(exchange, "total", "page", "limit")
    if slug is None or numbers is None:
        return None
    total, page, limit = numbers
    shown = batches_of(exchange)
    generated = memory.generated.get((exchange.secret, slug), ())
    holds = _page_holds(shown, page, limit, total)
    here = [batch for batch in generated if batch.ended <= exchange.started and holds(batch)]
    # Every place of the list seen, this page's included: the list is whole, every batch is in it.
    whole = {**memory.places.get((exchange.secret, slug, total), {})}
    listed_ids = {place.batch for place in whole.values()} | {str(batch.get("id")) for batch in shown}
    pages_from = min([place.started for place in whole.values()] + [exchange.started])
    everywhere = []
    if len(whole.keys() | (_places(exchange) or {}).keys()) >= total:
        on_page = {id(batch) for batch in here}
        everywhere = [batch for batch in generated if batch.ended <= pages_from and id(batch) not in on_page]
    if not here and not everywhere:
        return None
    by_id = {str(batch.get("id")): batch for batch in shown}
    missing = [batch for batch in here if batch.id not in by_id]
    missing += [batch for batch in everywhere if batch.id not in listed_ids]
    if missing:
        where = f"page {page}, where the list's own order puts it" if here else "any of its pages"
        raise Violation(
            f"Expected batch {listed([batch.id for batch in missing])} on {where} (list of {slug}, total "
            f"{total}, limit {limit}); received ids {listed([str(batch.get('id')) for batch in shown], 5)}",
            *(batch.exchange for batch in missing),
        )
    different = [
        f"{batch.id}: {'; '.join(found)}"
        for batch in here + everywhere
        if batch.id in by_id
        and by_id[batch.id] != batch.fields
        and (found := differences(batch.fields, by_id[batch.id]))
    ]
    if different:
        raise Violation(
            f"Expected the listed batches as generate gave them; received {listed(different)}",
            *(batch.exchange for batch in here + everywhere),
        )
    return True


def _page_holds(shown: list[dict[str, Any]], page: int, limit: int, total: int) -> Callable[[Batch], bool]:
    """Whether this page must show a batch: it is the whole list, or the list's order (newest or
    oldest first, read from the page) puts the batch strictly inside what the page covers."""
    if page == 1 and len(shown) == total:
        return lambda batch: True
    instants = [_instant(batch_json.get("createdAt")) for batch_json in shown]
    if len(shown) < 2 or None in instants:
        return lambda batch: False
    first, last = instants[0], instants[-1]
    assert first is not None and last is not None
    if all(a >= b for a, b in itertools.pairwise(instants)) and first > last:  # type: ignore[operator]
        newer_end, older_end = first, last  # newest first
        holds_newest, holds_oldest = page == 1, len(shown) < limit
    elif all(a <= b for a, b in itertools.pairwise(instants)) and first < last:  # type: ignore[operator]
        newer_end, older_end = last, first  # oldest first
        holds_newest, holds_oldest = len(shown) < limit, page == 1
    else:
        return lambda batch: False

    def holds(batch: Batch) -> bool:
        created = batch.created_at
        return created is not None and (
            older_end < created < newer_end
            or (holds_newest and created > newer_end)
            or (holds_oldest and created < older_end)
        )

    return holds


def differences(generated: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Documented fields of the generated batch the list shows otherwise (instants as instants)."""
    different = []
    for name in BATCH_FIELDS:
        if name not in generated:
            continue
        value = generated[name]
        if name not in found:
            if value is not None:
                different.append(f"{name} missing for {value!r}")
            continue
        if name in INSTANT_FIELDS and _same_instant(value, found[name]):
            continue
        if found[name] != value:
            different.append(f"{name} {found[name]!r} for {value!r}")
    return different


def _instant(value: object) -> datetime | None:
    try:
        return parse_instant(value)
    except ValueError:
        return None


def _same_instant(one: object, other: object) -> bool:
    first, second = _instant(one), _instant(other)
    return first is not None and second is not None and abs(first - second) < timedelta(seconds=1)
