"""Behaviour checks: small registered functions, each calling the target to show one rule holds.

A check passes by returning, fails by raising `Violation`, and is skipped by raising `Skip`,
which says why and, when an input would have let it run, which. A check of several cases runs
once per case, each case on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..operations import BY_NAME, Operation
from ..settings import BY_INPUT

if TYPE_CHECKING:
    from ..api import Api
    from ..ledger import Ledger
    from ..settings import Settings
    from .shared import Shared


class Skip(Exception):
    """The check cannot run here: `reason` says why, `needs` names the input that would let it."""

    def __init__(self, reason: str, needs: str = "") -> None:
        super().__init__(reason)
        self.reason, self.needs = reason, needs


@dataclass
class Context:
    """What a check works with: the target, the run's settings and books, and what checks share."""

    api: Api
    settings: Settings
    ledger: Ledger
    shared: Shared
    operation: Operation

    def require(self, *names: str) -> Any:
        """The values of these inputs (Settings fields); Skip naming the first one not given."""
        values = [getattr(self.settings, name) for name in names]
        for name, value in zip(names, values, strict=True):
            item = BY_INPUT[name]
            if not value:
                raise Skip(f"no {item.option} given", needs=item.option)
            if name in self.shared.unusable:
                raise Skip(self.shared.unusable[name], needs=f"a {item.option} the target takes")
        return values[0] if len(values) == 1 else values


CheckFunction = Callable[..., None]


@dataclass(frozen=True)
class BehaviourCheck:
    operation: str
    name: str
    function: CheckFunction
    creates: bool  # sends a request that creates something: --read-only skips it
    quiet: bool  # compares counts before and after: runs alone, when nothing else changes --slug
    cases: Mapping[str, Any] = field(default_factory=dict)  # id -> argument; empty: one run, no argument

    @property
    def key(self) -> str:
        return f"{self.operation}.{self.name}"

    def runs(self) -> list[tuple[str, Callable[[Context], None]]]:
        """(case id, what to call) for each run of the check."""
        if not self.cases:
            return [("", self.function)]
        return [
            (case, lambda context, value=value: self.function(context, value))
            for case, value in self.cases.items()
        ]


BEHAVIOUR_CHECKS: list[BehaviourCheck] = []


def behaviour(
    *operations: str, creates: bool | None = None, quiet: bool = False, cases: Mapping[str, Any] | None = None
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check of each of `operations`; `creates` defaults to the operation's own."""
    for name in operations:
        if name not in BY_NAME:
            raise ValueError(f"unknown operation {name!r}")

    def register(function: CheckFunction) -> CheckFunction:
        for name in operations:
            makes = BY_NAME[name].creates if creates is None else creates
            BEHAVIOUR_CHECKS.append(
                BehaviourCheck(name, function.__name__, function, makes, quiet, cases or {})
            )
        return function

    return register
