"""Isolation: test and live data never meet, and a partner never reaches another's codes or batches.

The environment of a secret is its prefix, so the environments can be judged in any traffic.
Partners only where a secret was declared another partner's (--foreign-secret): two undeclared
secrets of one environment may well be one partner's.
"""

from __future__ import annotations

from collections.abc import Callable

from ..exchange import Exchange
from ..findings import Violation
from ..memory import Batch, Memory
from ..roles import FOREIGN, environment_of
from ._registry import Answers, check, listed, sent
from .batches import batches_of
from .redeem import refusal
from .verify import NOT_FOUND


def _other_environment(batch: Batch, exchange: Exchange, _memory: Memory) -> str | None:
    own, theirs = environment_of(batch.secret), environment_of(exchange.secret)
    if own is None or theirs is None or own == theirs:
        return None
    return f"a {theirs} secret, made with a {own} one"


def _other_partner(batch: Batch, exchange: Exchange, memory: Memory) -> str | None:
    return "another partner's secret" if memory.roles.other_partner(batch.secret, exchange.secret) else None


Apart = Callable[[Batch, Exchange, Memory], "str | None"]


def _code_invisible(exchange: Exchange, memory: Memory, apart: Apart) -> bool | None:
    batch = memory.batch_of(sent(exchange, "code"))
    why = None if batch is None else apart(batch, exchange, memory)
    if batch is None or why is None or exchange.status != 200:
        return None
    if exchange.data.get("message") != NOT_FOUND:
        raise Violation(
            f"Expected {NOT_FOUND!r} for {sent(exchange, 'code')}, seen with {why}; "
            f"received {exchange.describe_answer()}",
            batch.exchange,
        )
    return True


def _batches_invisible(exchange: Exchange, memory: Memory, apart: Apart) -> bool | None:
    seen = [memory.batches.get(str(batch.get("id"))) for batch in batches_of(exchange)]
    leaks = [(made, why) for made in seen if made is not None and (why := apart(made, exchange, memory))]
    if leaks:
        raise Violation(
            f"Expected none of the batches made elsewhere in this list; received "
            f"{listed([made.id for made, _ in leaks])}, seen with {leaks[0][1]}",
            *(made.exchange for made, _ in leaks),
        )
    return True if any(made is not None for made in seen) else None


def _code_unredeemable(exchange: Exchange, memory: Memory, apart: Apart) -> bool | None:
    batch = memory.batch_of(sent(exchange, "code"))
    why = None if batch is None else apart(batch, exchange, memory)
    if batch is None or why is None:
        return None
    if not exchange.succeeded:
        return refusal(exchange)
    raise Violation(
        f"Expected {sent(exchange, 'code')} not to be redeemed, seen with {why}; "
        f"received {exchange.describe_answer(160)}",
        batch.exchange,
    )


@check("verify", answers=Answers.SUCCESS)
def code_invisible_to_other_environment(exchange: Exchange, memory: Memory) -> bool | None:
    """A code made with a TEST secret is Code not found to a LIVE one, and the other way round."""
    return _code_invisible(exchange, memory, _other_environment)


@check("verify", answers=Answers.SUCCESS)
def code_invisible_to_other_partner(exchange: Exchange, memory: Memory) -> bool | None:
    """A code is Code not found to another partner's secret."""
    return _code_invisible(exchange, memory, _other_partner)


@check("batches", answers=Answers.SUCCESS)
def batches_invisible_to_other_environment(exchange: Exchange, memory: Memory) -> bool | None:
    """No list seen with a secret of one environment shows a batch made with one of the other."""
    return _batches_invisible(exchange, memory, _other_environment)


@check("batches", answers=Answers.SUCCESS)
def batches_invisible_to_other_partner(exchange: Exchange, memory: Memory) -> bool | None:
    """No list seen with another partner's secret shows a batch of this partner's."""
    return _batches_invisible(exchange, memory, _other_partner)


@check("redeem")
def code_unredeemable_in_other_environment(exchange: Exchange, memory: Memory) -> bool | None:
    """A code made with a secret of one environment is not redeemed with one of the other."""
    return _code_unredeemable(exchange, memory, _other_environment)


@check("redeem")
def code_unredeemable_by_other_partner(exchange: Exchange, memory: Memory) -> bool | None:
    """A code is not redeemed with another partner's secret."""
    return _code_unredeemable(exchange, memory, _other_partner)


@check("batches", "stats", answers=Answers.CLIENT_ERROR)
def foreign_campaign_not_found(exchange: Exchange, memory: Memory) -> bool | None:
    """Another partner's secret asking for a campaign of --api-secret's is told it is not found (404)
    or forbidden (403): the docs do not say which."""
    slug = exchange.query.get("slug")
    if memory.roles.role(exchange.secret) != FOREIGN or not any(
        memory.roles.role(secret) == "api" for secret, reached in memory.reached if reached == slug
    ):
        return None
    if exchange.status in (403, 404):
        return True
    if exchange.status == 401:
        return None  # the secret itself was refused: a wrong input, not a campaign's answer
    raise Violation(
        f"Expected 404 or 403 for another partner's campaign {slug}; received {exchange.describe_answer()}"
    )
