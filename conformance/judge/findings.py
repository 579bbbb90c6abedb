"""What the judge found: violations of rules, each resting on exchanges, and the books of a run.

Several threads feed the judge at once (the active run): every change to the books takes their
lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


class Violation(AssertionError):
    """An exchange broke a rule: the message says what was expected and what was received.

    `earlier` are the indexes of other exchanges the violation rests on (the generate that made a
    code, the redemption before a verify), oldest first.
    """

    def __init__(self, message: str, *earlier: int) -> None:
        super().__init__(message)
        self.earlier = tuple(earlier)


@dataclass(frozen=True)
class Finding:
    """One violation of one check, with the exchanges it rests on and how to replay the last one."""

    operation: str
    check: str
    message: str
    exchanges: tuple[int, ...]  # indexes in the source, oldest first; the last is the one judged
    rules: tuple[str, ...]  # the catalogue's rules the check asserts
    documented: bool  # whether it fails the run (else it is a note on an inferred rule)
    curl: str | None = None
    request: str | None = None  # the request as text, secrets masked
    response: str | None = None  # the answer as text

    @property
    def key(self) -> str:
        return f"{self.operation}.{self.check}"


@dataclass
class Outcome:
    judged: int = 0  # exchanges the check judged
    failed: int = 0


@dataclass
class Books:
    """Outcomes per check, findings, and what traffic came: judged, ignored, unreachable."""

    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    judged: int = 0  # exchanges of the API's operations
    ignored: Counter[str] = field(default_factory=Counter)  # "GET /favicon.ico" -> how many
    unreachable: int = 0  # requests the target never answered (the proxy's 502s)
    errors: list[str] = field(default_factory=list)  # what went wrong in the suite itself
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def held(self, operation: str, check: str) -> None:
        # The judge calls it for most checks of every exchange, under its own lock.
        outcome = self.outcomes.get((operation, check))
        if outcome is None:
            with self._lock:
                outcome = self.outcomes.setdefault((operation, check), Outcome())
        outcome.judged += 1

    def failed(self, finding: Finding) -> None:
        with self._lock:
            outcome = self.outcomes.setdefault((finding.operation, finding.check), Outcome())
            outcome.judged += 1
            outcome.failed += 1
            self.findings.append(finding)

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    @property
    def violations(self) -> list[Finding]:
        """Findings that fail the run: those of checks of documented rules."""
        return [finding for finding in self.findings if finding.documented]

    @property
    def notes(self) -> list[Finding]:
        """Findings of inferred rules only: reported, not failing the run."""
        return [finding for finding in self.findings if not finding.documented]

    def failure_counts(self) -> Counter[str]:
        return Counter(finding.key for finding in self.findings)
