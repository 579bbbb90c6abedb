"""Verify: a well-formed body gets a 200 verdict that agrees with itself, and with what the judge saw of
the code: its batch's points, its redemption, its expiry, its campaign's state.

The order in which a deployment checks the reasons, the `status` of a code not found and its
`expired` are open (D7 decides them for the mock): no check holds a target to them.
"""

from __future__ import annotations

from ..exchange import Exchange
from ..findings import Violation
from ..memory import Batch, Memory
from ..roles import environment_of
from ._registry import Answers, check, sent

# The verify page's messages.
VALID = "Code is valid and redeemable"
NOT_FOUND = "Code not found"
STATUS_PREFIX = "Code status is "
CAMPAIGN_ENDED = "Campaign has ended"
CAMPAIGN_NOT_ACTIVE = "Campaign is not active"
CAMPAIGN_MESSAGES = (CAMPAIGN_ENDED, CAMPAIGN_NOT_ACTIVE)
ACTIVE, REDEEMED, EXPIRED, REVOKED = "ACTIVE", "REDEEMED", "EXPIRED", "REVOKED"
STATUSES = (ACTIVE, REDEEMED, EXPIRED, REVOKED)
# What a declared campaign's state makes verify say of a code that is otherwise redeemable.
STATE_MESSAGES = {"ended": CAMPAIGN_ENDED, "paused": CAMPAIGN_NOT_ACTIVE}


def _message(exchange: Exchange) -> object:
    return exchange.data.get("message")


def _fields(exchange: Exchange, *names: str) -> str:
    return ", ".join(f"{name} {exchange.data.get(name)!r}" for name in names)


def _verdict(exchange: Exchange) -> bool:
    """Whether the answer is a verdict (a 200 with data) the checks of its content may read."""
    return exchange.status == 200 and bool(exchange.data)


@check("verify", answers=Answers.SUCCESS)
def verify_valid_iff_redeemable(exchange: Exchange, _memory: Memory) -> bool | None:
    """`valid` is true exactly when the message is 'Code is valid and redeemable'."""
    valid, message = exchange.data.get("valid"), _message(exchange)
    if not isinstance(valid, bool) or not isinstance(message, str):
        return None  # the shape is response_schema_conformance's to report
    if valid != (message == VALID):
        expected = "valid true" if message == VALID else "valid false"
        raise Violation(f"Expected {expected} with message {message!r}; received valid {valid!r}")
    return True


@check("verify", answers=Answers.SUCCESS)
def verify_valid_code_active(exchange: Exchange, _memory: Memory) -> bool | None:
    """A code that can be redeemed has status ACTIVE."""
    if exchange.data.get("valid") is not True:
        return None
    if exchange.data.get("status") != ACTIVE:
        raise Violation(f"Expected status 'ACTIVE' for a valid code; received {_fields(exchange, 'status')}")
    return True


@check("verify", answers=Answers.SUCCESS)
def verify_found_status_known(exchange: Exchange, _memory: Memory) -> bool | None:
    """A code that was found has one of the four documented statuses."""
    message = _message(exchange)
    if not isinstance(message, str) or message == NOT_FOUND:
        return None
    if exchange.data.get("status") not in STATUSES:
        raise Violation(
            f"Expected status one of {', '.join(STATUSES)} with message {message!r}; "
            f"received {_fields(exchange, 'status')}"
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def verify_status_named_in_message(exchange: Exchange, _memory: Memory) -> bool | None:
    """'Code status is X' is said of a code whose status is X."""
    message = _message(exchange)
    if not isinstance(message, str) or not message.startswith(STATUS_PREFIX):
        return None
    named = message.removeprefix(STATUS_PREFIX)
    if exchange.data.get("status") != named:
        raise Violation(
            f"Expected status {named!r} with message {message!r}; received {_fields(exchange, 'status')}"
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def verify_not_found_empty(exchange: Exchange, _memory: Memory) -> bool | None:
    """'Code not found' comes with pointsValue 0 and an empty (or null) campaignName and campaignSlug."""
    if _message(exchange) != NOT_FOUND:
        return None
    points = exchange.data.get("pointsValue")
    empty = all(exchange.data.get(name) in ("", None) for name in ("campaignName", "campaignSlug"))
    if not (type(points) is int and points == 0 and empty):  # False == 0, but is no integer
        raise Violation(
            "Expected pointsValue 0 and an empty campaignName and campaignSlug for a code not found; "
            f"received {_fields(exchange, 'pointsValue', 'campaignName', 'campaignSlug')}"
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def verify_ended_campaign_expired(exchange: Exchange, _memory: Memory) -> bool | None:
    """'Campaign has ended' comes with `expired` true: expired says whether the campaign has ended."""
    if _message(exchange) != CAMPAIGN_ENDED:
        return None
    if exchange.data.get("expired") is not True:
        raise Violation(
            f"Expected expired true with message {CAMPAIGN_ENDED!r}; received {_fields(exchange, 'expired')}"
        )
    return True


@check("verify")
def made_up_code_not_found(exchange: Exchange, memory: Memory) -> bool | None:
    """A code nobody was given (one a probe made up) is still a 200: valid false, Code not found."""
    if not memory.made_up(sent(exchange, "code")) or not memory.roles.usable(exchange.secret):
        return None
    if exchange.secret is None or exchange.status in (401, 403, 429):
        return None
    data = exchange.data
    if exchange.status == 200 and data.get("valid") is False and data.get("message") == NOT_FOUND:
        return True
    raise Violation(
        f"Expected 200 with valid false and message {NOT_FOUND!r} for a code nobody was given; "
        f"received {exchange.describe_answer()}"
    )


def _seen(exchange: Exchange, memory: Memory) -> Batch | None:
    """The batch of the verified code, when the judge saw it generated for a secret of this one's
    partner and environment."""
    batch = memory.batch_of(sent(exchange, "code"))
    if batch is None or not memory.roles.same_partner(batch.secret, exchange.secret):
        return None
    return batch if batch.environment == environment_of(exchange.secret) else None


@check("verify", answers=Answers.SUCCESS)
def verify_finds_generated_code(exchange: Exchange, memory: Memory) -> bool | None:
    """A code seen generated, or redeemed, is found by its partner in its environment: Code not found is
    for codes nobody was given, and other partners'."""
    code = sent(exchange, "code")
    batch = _seen(exchange, memory)
    redemption = memory.redeemed(code, before=exchange)
    if redemption is not None and redemption.secret != exchange.secret:
        redemption = None  # only the very secret that redeemed it is known to be of its partner
    if (batch is None and redemption is None) or not _verdict(exchange):
        return None
    if _message(exchange) == NOT_FOUND:
        seen = "generated for the same partner" if batch is not None else "redeemed with this very secret"
        rests = [batch.exchange] if batch is not None else [redemption.exchange]  # type: ignore[union-attr]
        raise Violation(
            f"Expected the code {code} to be found, {seen}; received message {NOT_FOUND!r}", *rests
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def verify_matches_generated_batch(exchange: Exchange, memory: Memory) -> bool | None:
    """A code seen generated verifies with its batch's pointsValue and its campaign's slug."""
    batch = _seen(exchange, memory)
    if batch is None or not _verdict(exchange) or _message(exchange) == NOT_FOUND:
        return None
    wrong = [
        f"{name} {exchange.data.get(name)!r} for {expected!r}"
        for name, expected in (("pointsValue", batch.points), ("campaignSlug", batch.slug))
        if exchange.data.get(name) != expected
    ]
    if wrong:
        raise Violation(
            f"Expected the code {sent(exchange, 'code')} to verify as its batch; received {'; '.join(wrong)}",
            batch.exchange,
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def redeemed_code_not_valid_again(exchange: Exchange, memory: Memory) -> bool | None:
    """A code seen redeemed never again verifies valid or ACTIVE; for a code only this traffic holds,
    its status is REDEEMED."""
    code = sent(exchange, "code")
    redemption = memory.redeemed(code, before=exchange)
    batch = _seen(exchange, memory)
    if redemption is None or batch is None or not _verdict(exchange) or _message(exchange) == NOT_FOUND:
        return None
    status = exchange.data.get("status")
    allowed = (REDEEMED,) if batch.own else (REDEEMED, REVOKED)
    if exchange.data.get("valid") is not False or status not in allowed:
        raise Violation(
            f"Expected valid false and status {' or '.join(allowed)} for {code}, redeemed before; "
            f"received {_fields(exchange, 'valid', 'status', 'message')}",
            batch.exchange,
            redemption.exchange,
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def expired_code_not_valid(exchange: Exchange, memory: Memory) -> bool | None:
    """A code past its batch's expiresAt is not valid; unless it was redeemed first, or revoked, its
    status is EXPIRED (for a code only this traffic holds: it is), and `expired` stays false while its
    campaign runs."""
    batch = _seen(exchange, memory)
    code = sent(exchange, "code")
    if batch is None or not _verdict(exchange) or memory.expired_at(batch, exchange) is not True:
        return None
    message, status = _message(exchange), exchange.data.get("status")
    if message == NOT_FOUND:
        return None  # verify_finds_generated_code's to report
    redeemed = memory.redeemed(code, before=exchange)
    allowed = (REDEEMED,) if redeemed else (EXPIRED,) if batch.own else (EXPIRED, REDEEMED, REVOKED)
    problems = []
    if exchange.data.get("valid") is not False:
        problems.append("valid false")
    if status not in allowed:
        problems.append(f"status {' or '.join(allowed)}")
    if message not in CAMPAIGN_MESSAGES and exchange.data.get("expired") is not False and status == EXPIRED:
        problems.append("expired false (it speaks of the campaign, which is not said to have ended)")
    if problems:
        raise Violation(
            f"Expected {', '.join(problems)} for {code}, past its batch's expiresAt "
            f"({batch.fields.get('expiresAt')}); "
            f"received {_fields(exchange, 'valid', 'status', 'expired', 'message')}",
            batch.exchange,
        )
    return True


@check("verify", answers=Answers.SUCCESS)
def own_code_verifies_as_it_stands(exchange: Exchange, memory: Memory) -> bool | None:
    """A code only this traffic holds, neither redeemed nor expired, is ACTIVE: valid and redeemable,
    unless its campaign is paused or has ended."""
    batch = _seen(exchange, memory)
    code = sent(exchange, "code")
    if batch is None or not batch.own or not _verdict(exchange) or _message(exchange) == NOT_FOUND:
        return None
    if (
        memory.redeemed(code, before=exchange)
        or memory.redemptions.get(code)
        or memory.expired_at(batch, exchange) is not False
    ):
        return None  # redeemed (or being redeemed), or expired: the checks above hold it
    message = _message(exchange)
    if exchange.data.get("status") == ACTIVE and (message == VALID or message in CAMPAIGN_MESSAGES):
        return True
    raise Violation(
        f"Expected status ACTIVE and {VALID!r} (or the campaign's state) for {code}, generated and not "
        f"used since; received {_fields(exchange, 'valid', 'status', 'message')}",
        batch.exchange,
    )


@check("verify", answers=Answers.SUCCESS)
def closed_campaign_code_refused(exchange: Exchange, memory: Memory) -> bool | None:
    """A code of a campaign that has ended (--ended-slug) or is paused (--paused-slug) is not valid; an
    ACTIVE one says so: 'Campaign has ended' with expired true, or 'Campaign is not active'."""
    batch = _seen(exchange, memory)
    state = None if batch is None else memory.state_of(batch.slug)
    if (
        batch is None
        or state not in STATE_MESSAGES
        or not _verdict(exchange)
        or _message(exchange) == NOT_FOUND
    ):
        return None
    message, expected = _message(exchange), STATE_MESSAGES[state]  # type: ignore[index]
    if exchange.data.get("valid") is not False or (
        exchange.data.get("status") == ACTIVE and message != expected
    ):
        raise Violation(
            f"Expected valid false and {expected!r} for {sent(exchange, 'code')}, of the {state} campaign "
            f"{batch.slug}; received {_fields(exchange, 'valid', 'status', 'message', 'expired')}",
            batch.exchange,
        )
    return True
