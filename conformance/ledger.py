"""The run's books: what was sent and created, each check's outcome, and what was held back.

Checks run in several threads at once; every change to the books takes the ledger's lock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

import requests

from .exchange import CONFIGURED, decode_json, sent_body
from .instants import parse_instant
from .operations import GENERATE, REDEEM
from .rules import is_documented


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    """One observed violation of one check, with the request that shows it."""

    operation: str
    check: str
    message: str
    curl: str | None = None
    request: str | None = None  # the request as text, secrets masked
    response: str | None = None  # the answer as text

    @property
    def key(self) -> str:
        return f"{self.operation}.{self.check}"

    @property
    def documented(self) -> bool:
        """Whether it fails the run: its check asserts a documented rule (else it is a note)."""
        return is_documented(self.key)


@dataclass(frozen=True)
class GeneratedBatch:
    """A batch this run was given: what a code of it should verify as, and who asked for it."""

    batch_id: str
    slug: object  # as the generate request gave it
    points_value: object  # as the generate answer gave it
    identity: str  # whose secret generated it


@dataclass
class CheckOutcome:
    status: Status
    reason: str = ""  # why it was skipped
    needs: str = ""  # the input that would have run it, when one would
    evaluations: int = 0


@dataclass
class Ledger:
    """Everything the summary reports, filled in while the run goes."""

    requests_sent: int = 0
    batches_created: int = 0
    codes_created: int = 0
    codes_redeemed: int = 0
    batch_of_code: dict[str, GeneratedBatch] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    outcomes: dict[tuple[str, str], CheckOutcome] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # failures that are no check's (the suite's own)
    held_back: list[str] = field(default_factory=list)  # requests not sent to keep the target safe
    # Answers a schemathesis check would have failed, which the contract leaves to the deployment.
    left_to_deployment: Counter[str] = field(default_factory=Counter)
    preflight_failure: str | None = None
    # The target's clock as a batch's createdAt last showed it, and when that answer came.
    clock_reading: tuple[datetime, float] | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _unit: threading.local = field(default_factory=threading.local, repr=False)

    def begin_unit(self) -> Callable[[], int]:
        """Start counting this thread's findings; the function returned tells how many so far."""
        self._unit.findings = 0
        return lambda: int(self._unit.findings)

    def observe(self, request: requests.PreparedRequest, status: int, content: bytes, identity: str) -> None:
        """Count a request, and what it created if it was a successful generate or redeem."""
        with self._lock:
            self.requests_sent += 1
            if not 200 <= status < 300:
                return
            method, path = str(request.method), urlsplit(str(request.url)).path
            if REDEEM.matches(method, path):
                self.codes_redeemed += 1
            elif GENERATE.matches(method, path):
                self._generated(decode_json(sent_body(request)), decode_json(content), identity)

    def _generated(self, asked: object, payload: object, identity: str) -> None:
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
            return
        self.batches_created += 1
        self.codes_created += len(data["codes"])
        batch = data.get("batch") if isinstance(data.get("batch"), dict) else {}
        slug = asked.get("slug") if isinstance(asked, dict) else None
        generated = GeneratedBatch(str(batch.get("id", "")), slug, batch.get("pointsValue"), identity)
        with contextlib.suppress(ValueError):
            self.clock_reading = (parse_instant(batch.get("createdAt")), time.monotonic())
        for code in data["codes"]:
            if isinstance(code, str):
                self.batch_of_code.setdefault(code, generated)

    def target_now(self) -> datetime | None:
        """The target's clock now, as far as the last createdAt it gave tells; None before any."""
        reading = self.clock_reading
        return None if reading is None else reading[0] + timedelta(seconds=time.monotonic() - reading[1])

    def generated_batch(self, code: object) -> GeneratedBatch | None:
        """The batch of this run that handed out `code`, None for any other code."""
        return self.batch_of_code.get(code) if isinstance(code, str) else None

    def own_batch(self, code: object) -> GeneratedBatch | None:
        """The batch that handed out `code` to the --api-secret, None for any other code."""
        batch = self.generated_batch(code)
        return batch if batch is not None and batch.identity == CONFIGURED else None

    def passed(self, operation: str, check: str) -> None:
        with self._lock:
            outcome = self.outcomes.setdefault((operation, check), CheckOutcome(Status.PASSED))
            if outcome.status is Status.SKIPPED:
                outcome.status, outcome.reason, outcome.needs = Status.PASSED, "", ""
            outcome.evaluations += 1

    def failed(self, finding: Finding) -> None:
        if hasattr(self._unit, "findings"):
            self._unit.findings += 1
        with self._lock:
            self.findings.append(finding)
            key = (finding.operation, finding.check)
            outcome = self.outcomes.setdefault(key, CheckOutcome(Status.FAILED))
            outcome.status, outcome.reason, outcome.needs = Status.FAILED, "", ""
            outcome.evaluations += 1

    def skipped(self, operation: str, check: str, reason: str, needs: str = "") -> None:
        with self._lock:
            self.outcomes.setdefault((operation, check), CheckOutcome(Status.SKIPPED, reason, needs))

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def hold_back(self, what: str) -> None:
        with self._lock:
            if what not in self.held_back:
                self.held_back.append(what)

    def leave_to_deployment(self, check: str) -> None:
        with self._lock:
            self.left_to_deployment[check] += 1

    def failure_counts(self) -> Counter[tuple[str, str]]:
        return Counter((finding.operation, finding.check) for finding in self.findings)

    @property
    def violations(self) -> list[Finding]:
        """Findings that fail the run: those of checks of documented rules."""
        return [finding for finding in self.findings if finding.documented]

    @property
    def notes(self) -> list[Finding]:
        """Findings of inferred rules only: reported, not failing the run."""
        return [finding for finding in self.findings if not finding.documented]

    @property
    def conforms(self) -> bool:
        return not self.violations and not self.errors and self.preflight_failure is None
