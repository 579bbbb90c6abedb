"""Counts follow what happened: a campaign's batch total (the list's `total`, the stats' totalBatches)
and its codes never fall below what the judge saw happen since an earlier count.

Others may generate meanwhile, so counts may grow more: only a count below what was seen is a
contradiction. Inside a window (a stretch of the active run in which nothing else touches the
campaign), counts change by exactly what happened: the batches and codes generated, the codes
redeemed, the codes whose expiry passed.
"""

from __future__ import annotations

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


def _overlapping(memory: Memory, reading: Reading, before: Reading) -> bool:
    """Whether a generate or a redemption seen of the campaign ran while one of the counts was taken."""
    spans = [
        (batch.started, batch.ended) for batch in memory.generated.get((reading.secret, reading.slug), ())
    ]
    spans += [(r.started, r.ended) for r in memory.redeemed_in.get(reading.slug, ())]
    return any(
        start < count.ended and end > count.started for start, end in spans for count in (reading, before)
    )


def _between(batch: Batch, earlier: Reading, later: Reading) -> bool:
    """Whether a batch was surely made after the earlier count was taken and before the later."""
    return earlier.ended <= batch.started and batch.ended <= later.started


@check("batches", "stats", answers=Answers.SUCCESS)
def counts_follow_what_happened(exchange: Exchange, memory: Memory) -> bool | None:
    """Batches and codes counted never fall below an earlier count plus what was seen generated since;
    in a window they change by exactly what happened."""
    reading = reading_of(exchange, memory)
    if reading is None:
        return None
    key = (exchange.secret, exchange.query["slug"])
    generated = memory.generated.get(key, ())
    earlier = [other for other in memory.readings.get(key, ()) if other.ended <= reading.started]
    judged = False
    for before in earlier:
        made = [batch for batch in generated if _between(batch, before, reading)]
        codes = sum(batch.size for batch in made)
        # Exact only in one window, with nothing seen happening while either count was taken.
        exact = (
            reading.window is not None
            and reading.window == before.window
            and not _overlapping(memory, reading, before)
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
    seen = [batch for batch in generated if batch.ended <= reading.started]
    if seen and reading.batches is not None and reading.batches < len(seen):
        raise Violation(
            f"Expected at least the {len(seen)} batches seen generated for this campaign; "
            f"received {reading.batches}",
            *(batch.exchange for batch in seen[-5:]),
        )
    return True if judged or seen else None


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
    for batch in memory.generated.get((reading.secret, reading.slug), ()):
        if batch in made or batch.expires_at is None or batch.ended > before.started:
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
