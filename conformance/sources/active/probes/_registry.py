"""Probes: small registered functions, each sending the traffic that shows some rules of the catalogue.

A probe only sends: the judge holds every answer to the catalogue. A probe reads answers only to
know what to send next, and raises `Skip` when it cannot go on, saying why and, when an input
would have let it, which: the summary then names the rules it was for as not judged, and why.
A probe of several cases runs once per case, each case on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ....judge.operations import BY_NAME
from ....judge.rules import Rule


class Skip(Exception):
    """The probe cannot go on here: `reason` says why, `needs` names the input that would let it."""

    def __init__(self, reason: str, needs: str = "") -> None:
        super().__init__(reason)
        self.reason, self.needs = reason, needs


ProbeFunction = Callable[..., None]


@dataclass(frozen=True)
class Probe:
    operation: str
    name: str
    function: ProbeFunction
    shows: tuple[Rule, ...]  # the rules whose traffic it makes
    creates: bool  # sends a request that creates something: --read-only skips it
    quiet: bool  # compares counts before and after: runs alone, in a window of the judge's
    cases: Mapping[str, Any] = field(default_factory=dict)  # id -> argument; empty: one run, no argument

    @property
    def key(self) -> str:
        return f"{self.operation}.{self.name}"

    def runs(self) -> list[tuple[str, Callable[[Any], None]]]:
        """(case id, what to call) for each run of the probe."""
        if not self.cases:
            return [("", self.function)]
        return [
            (case, lambda context, value=value: self.function(context, value))
            for case, value in self.cases.items()
        ]


PROBES: list[Probe] = []


def probe(
    *operations: str,
    shows: tuple[Rule, ...],
    creates: bool | None = None,
    quiet: bool = False,
    cases: Mapping[str, Any] | None = None,
) -> Callable[[ProbeFunction], ProbeFunction]:
    """Register a probe of each of `operations`; `creates` defaults to the operation's own."""
    for name in operations:
        if name not in BY_NAME:
            raise ValueError(f"unknown operation {name!r}")
    if not shows:
        raise ValueError("a probe shows at least one rule of the catalogue")

    def register(function: ProbeFunction) -> ProbeFunction:
        for name in operations:
            makes = BY_NAME[name].creates if creates is None else creates
            PROBES.append(Probe(name, function.__name__, function, shows, makes, quiet, cases or {}))
        return function

    return register
