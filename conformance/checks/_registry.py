"""Response checks: small registered functions, each asserting one property of one answer.

A check returns quietly when its property holds or does not apply, and raises `Violation`
saying what was expected and what was received when it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from ..exchange import Exchange
from ..ledger import Ledger
from ..operations import BY_NAME


class Violation(AssertionError):
    """The target broke a rule of the contract; the message says what was expected and received."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange  # the request that shows it, when the check made several


class Answers(IntEnum):
    """Which answers a check looks at, by the first digit of their status."""

    SUCCESS = 2
    CLIENT_ERROR = 4

    def covers(self, exchange: Exchange) -> bool:
        # Only the operation's own method: undeclared-method probes are not the operation.
        if str(exchange.request.method).upper() != exchange.operation.method:
            return False
        return exchange.status // 100 == self.value


CheckFunction = Callable[[Exchange, Ledger], None]


@dataclass(frozen=True)
class ResponseCheck:
    name: str
    operations: tuple[str, ...]
    answers: Answers
    function: CheckFunction

    def applies_to(self, exchange: Exchange) -> bool:
        return exchange.operation.name in self.operations and self.answers.covers(exchange)


RESPONSE_CHECKS: list[ResponseCheck] = []


def response_check(
    *operations: str, answers: Answers = Answers.SUCCESS
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check of the answers of `operations` (all operations when none are named)."""
    names = operations or tuple(BY_NAME)

    def register(function: CheckFunction) -> CheckFunction:
        RESPONSE_CHECKS.append(ResponseCheck(function.__name__, names, answers, function))
        return function

    return register


def checks_for(operation_name: str) -> list[ResponseCheck]:
    return [check for check in RESPONSE_CHECKS if operation_name in check.operations]


def sent(exchange: Exchange, name: str) -> object:
    """A field of the JSON body sent, None when absent."""
    return exchange.body.get(name) if isinstance(exchange.body, dict) else None


def is_integer(value: object) -> bool:
    return type(value) is int


def listed(values: list[str], limit: int = 3) -> str:
    """`a, b, c and 4 more` for a message."""
    shown = ", ".join(values[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"
