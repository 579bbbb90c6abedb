"""Expectations of the behaviour checks about one answer; each raises `Violation` with the request."""

from __future__ import annotations

from collections.abc import Collection

from .checks import Violation
from .checks.stats import counts
from .checks.verify import NOT_FOUND
from .exchange import Exchange


def _message(exchange: Exchange) -> object:
    return exchange.payload.get("message") if isinstance(exchange.payload, dict) else None


def expect_error(exchange: Exchange, statuses: int | Collection[int], message: str | None = None) -> None:
    """The answer has one of `statuses` and, when given, exactly the error `message`."""
    allowed = {statuses} if isinstance(statuses, int) else set(statuses)
    if exchange.status in allowed and (message is None or _message(exchange) == message):
        return
    wanted = " or ".join(str(status) for status in sorted(allowed))
    wanted += f" with message {message!r}" if message is not None else ""
    raise Violation(f"Expected {wanted}; received {exchange.describe_answer()}", exchange)


def expect_client_error(exchange: Exchange) -> None:
    """A 4xx: the request is refused, and not by a crash."""
    if not 400 <= exchange.status < 500:
        raise Violation(f"Expected a 4xx; received {exchange.describe_answer()}", exchange)


def expect_not_server_error(exchange: Exchange) -> None:
    """Anything but a 5xx: the contract leaves the answer open, not the crash."""
    if exchange.status >= 500:
        raise Violation(f"Expected no 5xx; received {exchange.describe_answer()}", exchange)


def expect_success(exchange: Exchange) -> None:
    """A 2xx success envelope."""
    if not exchange.succeeded or exchange.payload is None or not exchange.data:
        raise Violation(
            f"Expected a 2xx with a success envelope; received {exchange.describe_answer()}", exchange
        )


def expect_verdict(exchange: Exchange, **expected: object) -> None:
    """A 200 verify answer whose `data` has the `expected` values, JSON types included."""
    received = {name: exchange.data.get(name) for name in expected}
    if exchange.status == 200 and all(
        type(received[name]) is type(value) and received[name] == value for name, value in expected.items()
    ):
        return
    wanted = ", ".join(f"{name} {value!r}" for name, value in expected.items())
    raise Violation(f"Expected 200 with {wanted}; received {exchange.describe_answer()}", exchange)


def expect_not_found(exchange: Exchange) -> None:
    """A 200 verify answer: valid false, Code not found, pointsValue 0, no campaign (empty or null)."""
    data = exchange.data
    if (
        exchange.status == 200
        and data.get("valid") is False
        and data.get("message") == NOT_FOUND
        and type(data.get("pointsValue")) is int
        and data.get("pointsValue") == 0
        and data.get("campaignName") in ("", None)
        and data.get("campaignSlug") in ("", None)
    ):
        return
    raise Violation(
        "Expected 200 with valid false, message 'Code not found', pointsValue 0 and an empty "
        f"campaignName and campaignSlug; received {exchange.describe_answer()}",
        exchange,
    )


def expect_refused_or_not_valid(exchange: Exchange) -> None:
    """A verify the docs give no error for: a 4xx, or a 200 verdict of valid false."""
    if 400 <= exchange.status < 500 or (exchange.status == 200 and exchange.data.get("valid") is False):
        return
    raise Violation(
        f"Expected a 4xx or a 200 with valid false; received {exchange.describe_answer()}", exchange
    )


def expect_counts_changed(before: Exchange, after: Exchange, changes: dict[str, int], cause: str) -> None:
    """Two stats answers, taken before and after `cause`, differ by exactly `changes`."""
    expect_success(before)
    expect_success(after)
    names = tuple(changes)
    old, new = counts(before, *names), counts(after, *names)
    if old is None or new is None:
        raise Violation(f"Expected integer {', '.join(names)}; received {after.describe_answer()}", after)
    changed = {name: later - earlier for name, earlier, later in zip(names, old, new, strict=True)}
    if changed != changes:
        wanted = ", ".join(f"{name} {change:+d}" for name, change in changes.items())
        shown = ", ".join(
            f"{name} {changed[name]:+d} ({earlier} then {later})"
            for name, earlier, later in zip(names, old, new, strict=True)
        )
        raise Violation(
            f"Expected {wanted} after {cause}; received {shown} "
            "(concurrent activity on the campaign would also explain a difference)",
            after,
        )
