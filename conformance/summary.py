"""The readable verdict of a run: per operation, each check's outcome, and a curl line per failure."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from .exchange import mask
from .ledger import Finding, Ledger, Status
from .operations import BY_NAME, describe_operations

if TYPE_CHECKING:
    from .target import Target

MAX_MESSAGE_LINES = 12
MAX_CURL_LENGTH = 2000


def render(target: Target, exit_status: int) -> str:
    """The summary of a finished run; the secret never appears in it."""
    settings, ledger = target.settings, target.ledger
    lines = [_heading(target), ""]
    if ledger.preflight_failure:
        lines += ["PREFLIGHT FAILED", *_indent(ledger.preflight_failure, 2), ""]
    called = {operation for operation, _check in ledger.outcomes}
    # The selected operations, and any other a check had to call (and may have seen fail).
    for name in BY_NAME:
        if name in called or (settings.selects(name) and not ledger.preflight_failure):
            lines += _operation_section(name, ledger)
    if ledger.errors:
        lines += ["Errors (checks that could not finish):"]
        lines += [line for error in ledger.errors for line in _indent(error, 2, first="- ")] + [""]
    lines.append(
        f"Requests sent: {ledger.requests_sent}; batches created: {ledger.batches_created}; "
        f"codes created: {ledger.codes_created}; codes redeemed: {ledger.codes_redeemed}"
    )
    lines.append(_verdict(ledger, exit_status))
    return mask("\n".join(lines), settings.api_secret)


def conforms(ledger: Ledger, exit_status: int) -> bool:
    return exit_status == 0 and ledger.conforms


def _heading(target: Target) -> str:
    settings = target.settings
    where = f"{settings.base_url} (in process)" if settings.in_process else settings.base_url
    foreign = (
        f", foreign campaign {settings.foreign_slug}" if settings.foreign_slug else ", no --foreign-slug"
    )
    care = "remote: no shrinking, no undeclared methods" if settings.is_remote else "local"
    return "\n".join(
        [
            f"GamifyHost conformance of {where}: campaign {settings.slug}{foreign}",
            f"Operations {describe_operations(settings.operations)}; "
            f"max batch size {settings.max_batch_size}; max {settings.max_examples} fuzzed examples "
            f"per operation; seed {target.fuzzing.seed}; {care}"
            + ("; read-only" if settings.read_only else ""),
        ]
    )


def _operation_section(name: str, ledger: Ledger) -> list[str]:
    outcomes = {
        check: outcome for (operation, check), outcome in ledger.outcomes.items() if operation == name
    }
    lines = [f"{name}  {BY_NAME[name].title}"]
    if not outcomes:
        return [*lines, "  nothing checked", ""]
    counts = ledger.failure_counts()
    shown: dict[str, Finding] = {}
    for finding in ledger.findings:  # the shortest reproduction of each check; the latest of equals
        if finding.operation == name and len(finding.curl or "") <= len(
            shown.get(finding.check, finding).curl or ""
        ):
            shown[finding.check] = finding
    for check, outcome in sorted(outcomes.items()):
        if outcome.status is Status.FAILED:
            failed = counts[(name, check)]
            lines.append(f"  FAILED   {check} (on {failed} of {outcome.evaluations} answers)")
            lines += _finding_lines(shown[check])
    for check, outcome in sorted(outcomes.items()):
        if outcome.status is Status.SKIPPED:
            lines.append(f"  SKIPPED  {check}: {outcome.reason}")
    passed = sorted(check for check, outcome in outcomes.items() if outcome.status is Status.PASSED)
    if passed:
        wrapped = textwrap.wrap(", ".join(passed), width=96)
        lines += [
            f"  passed   {len(passed)} checks: {wrapped[0]}",
            *(f"{' ' * 11}{part}" for part in wrapped[1:]),
        ]
    return [*lines, ""]


def _finding_lines(finding: Finding) -> list[str]:
    message = finding.message.splitlines()
    if len(message) > MAX_MESSAGE_LINES:
        message = [*message[:MAX_MESSAGE_LINES], "..."]
    lines = _indent("\n".join(message), 11)
    if finding.curl and len(finding.curl) > MAX_CURL_LENGTH:
        lines += _indent(
            f"{finding.curl[:MAX_CURL_LENGTH]}... (cut: {len(finding.curl)} characters)", 11, first="$ "
        )
    elif finding.curl:
        lines += _indent(finding.curl, 11, first="$ ")
    return lines


def _indent(text: str, width: int, first: str = "") -> list[str]:
    pad = " " * width
    return [
        f"{pad}{first if index == 0 else ' ' * len(first)}{line}"
        for index, line in enumerate(text.splitlines())
    ]


def _verdict(ledger: Ledger, exit_status: int) -> str:
    if ledger.preflight_failure:
        return "Verdict: NOT CONFORMANT (preflight failed; nothing was checked)"
    failed = sorted({f"{finding.operation}.{finding.check}" for finding in ledger.findings})
    if conforms(ledger, exit_status):
        return "Verdict: CONFORMANT"
    reasons = [_count(len(failed), "check") + " failed"] if failed else []
    reasons += [_count(len(ledger.errors), "error")] if ledger.errors else []
    reasons += [f"pytest exit status {exit_status}"] if exit_status and not reasons else []
    return f"Verdict: NOT CONFORMANT ({'; '.join(reasons)})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
