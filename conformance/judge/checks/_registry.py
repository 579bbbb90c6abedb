"""Checks: small functions, each holding one exchange (and what the judge remembers) to one rule.

A check returns True when it judged the exchange and the rule holds, None when the exchange
says nothing about its rule, and raises `Violation`, saying what was expected and what was
received, when the rule is broken. `@check` makes a function a `Check`, the object the
catalogue (rules.py) names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from ..exchange import Exchange
from ..memory import Memory
from ..operations import BY_NAME


class Answers(Enum):
    """Which answers a check looks at, by their status."""

    ANY = 0
    SUCCESS = 2
    CLIENT_ERROR = 4

    def covers(self, status: int) -> bool:
        return self is Answers.ANY or status // 100 == self.value


CheckFunction = Callable[[Exchange, Memory], "bool | None"]


@dataclass(frozen=True, eq=False)
class Check:
    name: str
    operations: tuple[str, ...]
    answers: Answers
    function: CheckFunction
    doc: str

    def applies_to(self, exchange: Exchange) -> bool:
        operation = exchange.operation
        return (
            operation is not None
            and operation.name in self.operations
            and self.answers.covers(exchange.status)
        )

    def __call__(self, exchange: Exchange, memory: Memory) -> bool | None:
        return self.function(exchange, memory)

    def of(self, *operations: str) -> CheckOf:
        """This check as it holds the exchanges of some of its operations only (for a rule's list)."""
        unknown = set(operations) - set(self.operations)
        if unknown:
            raise ValueError(f"{self.name} does not judge {sorted(unknown)}")
        return CheckOf(self, operations)

    @property
    def everywhere(self) -> CheckOf:
        return CheckOf(self, self.operations)

    def __repr__(self) -> str:
        return f"<check {self.name}>"


@dataclass(frozen=True)
class CheckOf:
    """A check, on the exchanges of some operations: what a rule of the catalogue stands on."""

    check: Check
    operations: tuple[str, ...]

    @property
    def keys(self) -> tuple[tuple[str, str], ...]:
        """(operation, check name) of each pair, as the books count outcomes."""
        return tuple((operation, self.check.name) for operation in self.operations)


def check(*operations: str, answers: Answers = Answers.ANY) -> Callable[[CheckFunction], Check]:
    """A check of the exchanges of `operations` (every operation when none are named)."""
    unknown = [name for name in operations if name not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown operations {unknown}")

    def make(function: CheckFunction) -> Check:
        doc = (function.__doc__ or "").strip().split("\n\n")[0]
        return Check(
            function.__name__, operations or tuple(BY_NAME), answers, function, " ".join(doc.split())
        )

    return make


def sent(exchange: Exchange, name: str) -> object:
    """A field of the JSON object sent, None when absent."""
    return exchange.sent.get(name)


def is_integer(value: object) -> bool:
    return type(value) is int


def listed(values: list[str], limit: int = 3) -> str:
    """`a, b, c and 4 more` for a message."""
    shown = ", ".join(values[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"
