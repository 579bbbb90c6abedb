"""Counts follow what happened: a campaign's batch total (the list's `total`, the stats' totalBatches)
and its codes never fall below what the judge saw happen since an earlier count.

Others may generate meanwhile, so counts may grow more: only a count below what was seen is a
contradiction. Inside a window (a stretch of the active run in which nothing else touches the
campaign), counts change by exactly what happened: the batches and codes generated, the codes
redeemed, the codes whose expiry passed.
"""

from __future__ import annotations

import bisect
import itertools

from ..exchange import Exchange
from ..findings import Violation
from ..memory import Batch, Memory, Reading
from ._registry import Answers, check
from .stats import STATUS_COUNTS

COUNTS = ("totalCodes", *STATUS_COUNTS)


def reading_of(exchange: Exchange, memory: Memory) -> Reading | None:
    """The counts a successful list or stats answer gives; None when it gives none."""
    data = exchange.data
    if exchange.operation is None or exchange.query.get("slug") is None:
        return None
    where = (exchange.secret, exchange.query["slug"], exchange.index, exchange.started, exchange.ended)
    window = memory.window_of(exchange)
    if exchange.operation.name == "batches":
        total = data.get("total")
        return Reading(*where, window, total, {}) if type(total) is int else None
    counts = {name: data.get(name) for name in COUNTS}
    batches = data.get("totalBatches")
    if type(batches) is not int or not all(type(value) is int for value in counts.values()):
        return None
    return Reading(*where, window, batches, counts)  # type: ignore[arg-type]


def _spans(memory: Memory, reading: Reading) -> list[tuple[float, float]]:
    """When each generate and redemption seen of the campaign ran."""
    spans = [
        (batch.started, batch.ended) for batch in memory.generated.get((reading.secret, reading.slug), ())
    ]
    spans += [(r.started, r.ended) for r in memory.redeemed_in.get(reading.slug, ())]
    return spans


def _unsettled(memory: Memory, reading: Reading) -> bool:
    """Whether a request that began before the count was answered is still to come: it may have
    changed the counts, unseen as yet."""
    return any(started < reading.ended for started in memory.in_flight.values())


def _overlapping(spans: list[tuple[float, float]], count: Reading) -> bool:
    """Whether something seen happening ran while the count was taken."""
    return any(start < count.ended and end > count.started for start, end in spans)


@check("batches", "stats", answers=Answers.SUCCESS)
def counts_follow_what_happened(exchange: Exchange, memory: Memory) -> bool | None:
    """Batches and codes counted never fall below an earlier count plus what was seen generated since;
    in a window they change by exactly what happened."""
    reading = reading_of(exchange, memory)
    if reading is None:
        return None
    key = (exchange.secret, exchange.query["slug"])
    generated = memory.generated.get(key, [])  # by when each was asked for
    seen = bisect.bisect_right(memory.generated_ends.get(key, []), reading.started)
    earlier = [other for other in memory.readings.get(key, ()) if other.ended <= reading.started]
    # The batches made after the first of the earlier counts and seen before this one, in order:
    # those made after any earlier count are a tail of them.
    since = min((before.ended for before in earlier), default=reading.started)
    recent = [
        batch
        for batch in generated[bisect.bisect_left(generated, since, key=_started) :]
        if batch.ended <= reading.started
    ]
    starts = [batch.started for batch in recent]
    codes_before = [0, *itertools.accumulate(batch.size for batch in recent)]
    spans: list[tuple[float, float]] | None = None
    judged = False
    for before in earlier:
        first = bisect.bisect_left(starts, before.ended)
        made, codes = recent[first:], codes_before[-1] - codes_before[first]
        # Exact only in one window, with nothing seen happening while either count was taken.
        exact = reading.window is not None and reading.window == before.window
        if exact:
            spans = _spans(memory, reading) if spans is None else spans
            exact = not (
                _overlapping(spans, reading) or _overlapping(spans, before) or _unsettled(memory, reading)
            )
        judged |= _compare(reading, before, "batches", len(made), exact)
        if reading.codes and before.codes:
            if exact:
                judged |= _window_counts(reading, before, made, memory)
            elif reading.codes["totalCodes"] < before.codes["totalCodes"] + codes:
                raise Violation(
                    f"Expected totalCodes at least {before.codes['totalCodes']} + {codes} generated since; "
                    f"received {reading.codes['totalCodes']}",
                    before.exchange,
                    *(batch.exchange for batch in made),
                )
    if seen and reading.batches is not None and reading.batches < seen:
        latest = [batch for batch in generated if batch.ended <= reading.started][-5:]
        raise Violation(
            f"Expected at least the {seen} batches seen generated for this campaign; "
            f"received {reading.batches}",
            *(batch.exchange for batch in latest),
        )
    return True if judged or seen else None


def _started(batch: Batch) -> float:
    return batch.started


def _compare(reading: Reading, before: Reading, what: str, made: int, exact: bool) -> bool:
    if reading.batches is None or before.batches is None:
        return False
    expected = before.batches + made
    if reading.batches < expected or (exact and reading.batches != expected):
        bound = "exactly" if exact else "at least"
        raise Violation(
            f"Expected {bound} {expected} {what} ({before.batches} counted earlier, {made} generated since); "
            f"received {reading.batches}",
            before.exchange,
        )
    return True


def _window_counts(reading: Reading, before: Reading, made: list[Batch], memory: Memory) -> bool:
    """In a window: the five code counts moved by exactly what the judge saw happen; False when it
    cannot tell (an expiry too close to either count, the target's clock not known yet)."""
    if memory.clock_offset is None:
        return False
    change = dict.fromkeys(COUNTS, 0)
    for batch in made:
        change["totalCodes"] += batch.size
        expiry = None if batch.expires_at is None else batch.expires_at.timestamp()
        if expiry is None or memory.surely_before(reading.ended, expiry):
            change["activeCodes"] += batch.size
        elif memory.surely_after(reading.started, expiry):
            change["expiredCodes"] += batch.size
        else:
            return False
    redeemed = [
        r
        for r in memory.redeemed_in.get(reading.slug, ())
        if before.ended <= r.started and r.ended <= reading.started
    ]
    change["activeCodes"] -= len(redeemed)
    change["redeemedCodes"] += len(redeemed)
    made_ids = {id(batch) for batch in made}
    for batch in memory.generated.get((reading.secret, reading.slug), ()):
        if id(batch) in made_ids or batch.expires_at is None or batch.ended > before.started:
            continue
        expiry = batch.expires_at.timestamp()
        if memory.surely_after(before.started, expiry) or memory.surely_before(reading.ended, expiry):
            continue  # expired before the first count, or not yet at the second
        if not (memory.surely_before(before.ended, expiry) and memory.surely_after(reading.started, expiry)):
            return False  # too close to either count to call
        if not batch.own:
            return False  # others may have redeemed some: how many expired is not known
        left = batch.size - sum(1 for r in memory.redemptions.values() if r.batch is batch)
        change["activeCodes"] -= left
        change["expiredCodes"] += left
    received = {name: reading.codes[name] - before.codes[name] for name in change}
    if received != change:
        wanted = ", ".join(f"{name} {value:+d}" for name, value in change.items())
        got = ", ".join(f"{name} {value:+d}" for name, value in received.items())
        raise Violation(
            f"Expected the counts to change by what happened since the count before ({wanted}); "
            f"received {got}",
            before.exchange,
            *(batch.exchange for batch in made),
            *(redemption.exchange for redemption in redeemed),
        )
    return True
