"""Redeem: only its path is documented, but the other pages say a lot of it.

A code is redeemed once: two successful redemptions of one code break that, whatever their
order. What verify calls not redeemable (a code nobody was given, past its expiry, of a closed
campaign) is not redeemed (isolation.py: nor another partner's or environment's). Where an
answer says the points a code awards, they are its batch's pointsValue. The body of a
redemption and its answer are inferred (D9): that a fresh code is redeemed with `{code, userId}`
is a note when it is not.
"""

from __future__ import annotations

from ..exchange import Exchange
from ..findings import Violation
from ..memory import Memory
from ..roles import MADE_UP
from ._registry import Answers, check, is_integer, sent

# The fields an answer may state the points awarded in: the mock's, and the obvious others.
POINTS_FIELDS = ("pointsAwarded", "points", "pointsValue")


def slug_of(exchange: Exchange) -> str:
    """The campaign of a redemption, from its path."""
    return exchange.path.rstrip("/").split("/")[-2]


def _code(exchange: Exchange) -> object:
    return sent(exchange, "code")


def refusal(exchange: Exchange) -> bool | None:
    """A refused redemption holds a rule that it be refused; a 5xx is not_a_server_error's to report."""
    return True if 400 <= exchange.status < 500 else None


@check("redeem", answers=Answers.SUCCESS)
def redeemed_once(exchange: Exchange, memory: Memory) -> bool | None:
    """A code is redeemed once: no code has two successful redemptions, however close together, and
    none succeeds after verify called the code REDEEMED."""
    code = _code(exchange)
    if not isinstance(code, str):
        return None
    first = memory.redemptions.get(code)
    if first is not None:
        raise Violation(
            f"Expected a second redemption of {code} to be refused; received {exchange.describe_answer(160)}",
            first.exchange,
        )
    verdict = memory.verified_redeemed.get(code)
    if verdict is not None and verdict[1] <= exchange.started:
        raise Violation(
            f"Expected {code}, which verify said was REDEEMED, to be refused; "
            f"received {exchange.describe_answer(160)}",
            verdict[0],
        )
    return True


@check("redeem")
def made_up_code_not_redeemed(exchange: Exchange, memory: Memory) -> bool | None:
    """A code nobody was given, or one of a campaign nobody has, is not redeemed."""
    code = _code(exchange)
    if not memory.made_up(code) and memory.state_of(slug_of(exchange)) != MADE_UP:
        return None
    if not exchange.succeeded:
        return refusal(exchange)
    raise Violation(
        f"Expected {code} (nobody was given it) to be refused; received {exchange.describe_answer(160)}"
    )


@check("redeem")
def expired_code_not_redeemed(exchange: Exchange, memory: Memory) -> bool | None:
    """A code past its batch's expiresAt is not redeemed."""
    batch = memory.batch_of(_code(exchange))
    expired = None if batch is None else memory.expired_at(batch, exchange)
    if batch is None or not expired:
        return None
    if not exchange.succeeded:
        return refusal(exchange)
    raise Violation(
        f"Expected {_code(exchange)}, past its batch's expiresAt ({batch.fields.get('expiresAt')}), to be "
        f"refused; received {exchange.describe_answer(160)}",
        batch.exchange,
    )


@check("redeem")
def closed_campaign_code_not_redeemed(exchange: Exchange, memory: Memory) -> bool | None:
    """A code of a campaign that has ended (--ended-slug) or is paused (--paused-slug) is not redeemed."""
    batch = memory.batch_of(_code(exchange))
    state = None if batch is None else memory.state_of(batch.slug)
    if batch is None or state not in ("ended", "paused"):
        return None
    if not exchange.succeeded:
        return refusal(exchange)
    raise Violation(
        f"Expected {_code(exchange)}, of the {state} campaign {batch.slug}, to be refused; "
        f"received {exchange.describe_answer(160)}",
        batch.exchange,
    )


@check("redeem", answers=Answers.SUCCESS)
def redemption_awards_code_points(exchange: Exchange, memory: Memory) -> bool | None:
    """Where a redemption's answer states the points a code awards, they are its batch's pointsValue."""
    batch = memory.batch_of(_code(exchange))
    stated = {name: exchange.data.get(name) for name in POINTS_FIELDS if is_integer(exchange.data.get(name))}
    if batch is None or not stated:
        return None
    wrong = {name: value for name, value in stated.items() if value != batch.points}
    if wrong:
        shown = ", ".join(f"{name} {value}" for name, value in wrong.items())
        raise Violation(
            f"Expected {batch.points!r} points, the pointsValue of the batch of {_code(exchange)}; "
            f"received {shown}",
            batch.exchange,
        )
    return True


@check("redeem")
def own_code_redeemed(exchange: Exchange, memory: Memory) -> bool | None:
    """A fresh code only this traffic holds, which verify just called redeemable, is redeemed with the
    inferred body {code, userId}: a 2xx."""
    code = _code(exchange)
    batch = memory.batch_of(code)
    if batch is None or not batch.own or batch.slug != slug_of(exchange) or code not in memory.redeemable:
        return None
    if exchange.secret != batch.secret or exchange.notes.get("race") or memory.redemptions.get(code):
        return None
    if exchange.succeeded:
        return True
    raise Violation(
        f"Expected a 2xx for {code}, which verify called redeemable, redeemed as "
        f"{{code, userId}} (the inferred body); received {exchange.describe_answer(160)}",
        batch.exchange,
    )
