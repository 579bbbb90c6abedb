"""The run's books: requests sent, batches and codes created, codes redeemed, and each check's outcome."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum
from urllib.parse import urlsplit

import requests

from .exchange import decode_json
from .operations import GENERATE, REDEEM


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
    test: str | None = None  # the pytest node that observed it


@dataclass(frozen=True)
class GeneratedBatch:
    """What a code of this run should verify as: its batch's campaign and points."""

    slug: object  # as the generate request gave it
    points_value: object  # as the generate answer gave it


@dataclass
class CheckOutcome:
    status: Status
    reason: str = ""  # why it was skipped
    evaluations: int = 0


@dataclass
class Ledger:
    """Everything the summary reports, filled in while the run goes."""

    requests_sent: int = 0
    batches_created: int = 0
    codes_created: int = 0
    codes_redeemed: int = 0
    # The id of the batch each code was first seen in, to spot a code handed out twice.
    batch_of_code: dict[str, str] = field(default_factory=dict)
    generated_batches: dict[str, GeneratedBatch] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    outcomes: dict[tuple[str, str], CheckOutcome] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # failures that are no check's (the suite's own)
    preflight_failure: str | None = None
    current_test: str | None = None

    def observe(self, response: requests.Response) -> None:
        """Count a request, and what it created if it was a successful generate or redeem."""
        self.requests_sent += 1
        request = response.request
        if not 200 <= response.status_code < 300:
            return
        method, path = str(request.method), urlsplit(str(request.url)).path
        if REDEEM.matches(method, path):
            self.codes_redeemed += 1
        elif GENERATE.matches(method, path):
            self._generated(decode_json(request.body), decode_json(response.content))

    def _generated(self, asked: object, payload: object) -> None:
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
            return
        self.batches_created += 1
        self.codes_created += len(data["codes"])
        batch = data.get("batch") if isinstance(data.get("batch"), dict) else {}
        batch_id = str(batch.get("id", ""))
        slug = asked.get("slug") if isinstance(asked, dict) else None
        self.generated_batches.setdefault(batch_id, GeneratedBatch(slug, batch.get("pointsValue")))
        for code in data["codes"]:
            if isinstance(code, str):
                self.batch_of_code.setdefault(code, batch_id)

    def generated_batch(self, code: object) -> GeneratedBatch | None:
        """The batch of this run that handed out `code`, None for any other code."""
        batch_id = self.batch_of_code.get(code) if isinstance(code, str) else None
        return None if batch_id is None else self.generated_batches.get(batch_id)

    def passed(self, operation: str, check: str) -> None:
        outcome = self.outcomes.setdefault((operation, check), CheckOutcome(Status.PASSED))
        if outcome.status is Status.SKIPPED:
            outcome.status, outcome.reason = Status.PASSED, ""
        outcome.evaluations += 1

    def failed(self, finding: Finding) -> None:
        finding = replace(finding, test=finding.test or self.current_test)
        self.findings.append(finding)
        outcome = self.outcomes.setdefault((finding.operation, finding.check), CheckOutcome(Status.FAILED))
        outcome.status, outcome.reason = Status.FAILED, ""
        outcome.evaluations += 1

    def skipped(self, operation: str, check: str, reason: str) -> None:
        self.outcomes.setdefault((operation, check), CheckOutcome(Status.SKIPPED, reason))

    def findings_of(self, test: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.test == test]

    def failure_counts(self) -> Counter[tuple[str, str]]:
        return Counter((finding.operation, finding.check) for finding in self.findings)

    @property
    def conforms(self) -> bool:
        return not self.findings and not self.errors and self.preflight_failure is None
