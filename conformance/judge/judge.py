"""The judge: takes exchanges from any source, holds each to the catalogue's checks, and remembers what
it saw for the checks of later ones.

Sources feed it one exchange at a time, from as many threads as they like: an exchange is judged
whole before the next one. What a finding rests on is given by the exchanges' indexes in their
source; what a report shows of a request never carries a secret.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .checks._registry import Check
from .checks.counts import reading_of
from .checks.redeem import slug_of
from .contract import Contract, Documented
from .exchange import Exchange, mask
from .findings import Books, Finding, Violation
from .memory import Memory
from .operations import BATCHES, GENERATE, REDEEM, STATS, VERIFY
from .roles import MADE_UP, Roles
from .rules import RULES, Kind, claims, rules_of

Listener = Callable[[Finding, Exchange], None]


def _checks_by_operation() -> dict[str, list[Check]]:
    """Every check of the catalogue, once, in the catalogue's order, by operation."""
    found: dict[str, list[Check]] = {}
    for rule in RULES:
        for each in rule.checks:
            for operation in each.operations:
                if each.check not in found.setdefault(operation, []):
                    found[operation].append(each.check)
    return found


@dataclass(frozen=True)
class LogLine:
    """One exchange as a table of a report shows it."""

    index: int
    method: str
    path: str
    status: int
    operation: str  # its operation's name; "" for a request that got no answer
    checks: tuple[str, ...]  # the checks it broke


class Judge:
    """Holds exchanges to the catalogue.

    `own_codes`: the codes of every batch it sees generated were handed to this traffic only (true of
    the active run, which generates its own). `sole_client`: this traffic is all the traffic of the
    campaigns it touches while it lasts: the codes it sees generated are its own, and counts move by
    exactly what it sees (a recording or proxy session that a source declares so)."""

    def __init__(
        self,
        roles: Roles,
        slugs: Mapping[str, str] | None = None,
        *,
        own_codes: bool = False,
        sole_client: bool = False,
        keep_log: bool = False,
        contract: Contract | None = None,
    ) -> None:
        documented = Documented(contract or Contract.load(), claims())
        self.memory = Memory(roles, documented, slugs=dict(slugs or {}))
        self.books = Books()
        self.own_codes = own_codes or sole_client
        if sole_client:
            self.memory.whole_window = self.memory.new_window()
        self.log: list[LogLine] | None = [] if keep_log else None
        self.listeners: list[Listener] = []
        self._checks = _checks_by_operation()
        self._applicable: dict[tuple[str, int], list[Check]] = {}
        self._lock = threading.RLock()
        self._indexes = itertools.count(1)

    # -- what sources tell it ---------------------------------------------------------------

    def next_index(self) -> int:
        """A number for the next exchange of a source that numbers its own as they come."""
        return next(self._indexes)

    def made_up(self, *, secret: str | None = None, code: str | None = None, slug: str | None = None) -> None:
        """A secret, a code or a slug a probe invented: nobody has it."""
        with self._lock:
            if secret is not None:
                self.memory.roles.made_up(secret)
            if code is not None:
                self.memory.made_up_codes.add(code)
            if slug is not None:
                self.memory.slugs.setdefault(slug, MADE_UP)

    @contextlib.contextmanager
    def window(self) -> Iterator[int]:
        """A stretch of traffic in which nothing else touches the campaigns it uses (the active run's
        checks of counts): its exchanges carry the window's number in notes["window"]."""
        yield self.memory.new_window()

    def begun(self, index: int, started: float) -> None:
        """A request a source saw go out and will hand over, answered, later (the proxy, a HAR file's
        entries read ahead): until then, no count is held to have seen everything that happened."""
        with self._lock:
            self.memory.in_flight[index] = started

    def abandoned(self, index: int) -> None:
        """A request begun that will never be handed over (its client went away mid-answer)."""
        with self._lock:
            self.memory.in_flight.pop(index, None)

    def unreachable(self, exchange: Exchange) -> None:
        """A request the target never answered: no violation of the target's, only counted."""
        with self._lock:
            self.memory.in_flight.pop(exchange.index, None)
            self.books.unreachable += 1
            if self.log is not None:
                self.log.append(
                    LogLine(exchange.index, exchange.method, exchange.path, exchange.status, "", ())
                )

    # -- judging ----------------------------------------------------------------------------

    def judge(self, exchange: Exchange) -> list[Finding]:
        """Hold one exchange to every check of its operation; the findings (also in `books`)."""
        with self._lock:
            self.memory.in_flight.pop(exchange.index, None)
            operation = exchange.operation
            if operation is None:
                self.books.ignored[f"{exchange.method} {exchange.path}"] += 1
                return []
            self.books.judged += 1
            self.memory.roles.name(exchange.secret)
            findings = [
                finding
                for check in self._checks_for(operation.name, exchange.status)
                if (finding := self._run(check, exchange)) is not None
            ]
            self._remember(exchange)
            if self.log is not None:
                checks = tuple(finding.check for finding in findings)
                self.log.append(
                    LogLine(
                        exchange.index,
                        exchange.method,
                        exchange.path,
                        exchange.status,
                        operation.name,
                        checks,
                    )
                )
        for finding in findings:
            for listener in self.listeners:
                listener(finding, exchange)
        return findings

    def _checks_for(self, operation: str, status: int) -> list[Check]:
        """The checks of an operation that look at answers of this status's class."""
        key = (operation, status // 100)
        checks = self._applicable.get(key)
        if checks is None:
            every = self._checks.get(operation, ())
            checks = self._applicable[key] = [check for check in every if check.answers.covers(status)]
        return checks

    def _run(self, check: Check, exchange: Exchange) -> Finding | None:
        operation = exchange.operation.name  # type: ignore[union-attr]
        try:
            held = check.function(exchange, self.memory)
        except Violation as violation:
            finding = self.finding(operation, check.name, str(violation), exchange, violation.earlier)
            self.books.failed(finding)
            return finding
        except Exception:
            self.books.error(
                f"{operation}.{check.name} on exchange {exchange.index}: {traceback.format_exc(limit=4)}"
            )
            return None
        if held:
            self.books.held(operation, check.name)
        return None

    def finding(
        self,
        operation: str,
        check: str,
        message: str,
        exchange: Exchange | None,
        earlier: tuple[int, ...] = (),
    ) -> Finding:
        """A finding with what it rests on, and the last exchange as curl, request and answer text."""
        rules = rules_of(operation, check)
        documented = any(rule.kind is Kind.DOCUMENTED for rule in rules)
        secrets = self.memory.roles.variables
        if exchange is None:
            return Finding(
                operation, check, mask(message, secrets), earlier, tuple(r.id for r in rules), documented
            )
        return Finding(
            operation,
            check,
            mask(message, secrets),
            (*sorted(set(earlier) - {exchange.index}), exchange.index),
            tuple(rule.id for rule in rules),
            documented,
            exchange.curl(secrets),
            exchange.shown_request(secrets),
            exchange.shown_answer(secrets),
        )

    def _remember(self, exchange: Exchange) -> None:
        """What later checks need of an exchange just judged."""
        memory, operation, body = self.memory, exchange.operation, exchange.sent
        code = body.get("code")
        if operation is REDEEM and isinstance(code, str):
            if exchange.succeeded:
                memory.remember_redemption(code, slug_of(exchange), exchange)
            memory.redeemable.discard(code)
        if not exchange.succeeded:
            return
        slug = body.get("slug") if operation is GENERATE else exchange.query.get("slug")
        if operation in (GENERATE, BATCHES, STATS) and isinstance(slug, str):
            memory.reached.add((exchange.secret, slug))
        if operation is GENERATE:
            memory.remember_batch(exchange, own=self.own_codes)
        elif operation is BATCHES:
            memory.remember_listing(exchange)
        elif operation is VERIFY and isinstance(code, str) and exchange.data.get("valid") is True:
            memory.redeemable.add(code)
        if operation is VERIFY and isinstance(code, str) and exchange.data.get("status") == "REDEEMED":
            memory.verified_redeemed.setdefault(code, (exchange.index, exchange.ended))
        if operation in (BATCHES, STATS) and (reading := reading_of(exchange, memory)) is not None:
            memory.remember_reading(reading)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Nothing is judged meanwhile: for reading the books while traffic goes on (the proxy)."""
        with self._lock:
            yield

    # -- the verdict ------------------------------------------------------------------------

    @property
    def conforms(self) -> bool:
        return not self.books.violations and not self.books.errors
