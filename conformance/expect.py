"""Expectations of the behaviour checks about one answer; each raises `Violation` with the request."""

from __future__ import annotations

from collections.abc import Collection

from .checks import Violation
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
