"""The readable verdict of a run: per operation each check's outcome, the rules covered, and a curl
line per failure. Nothing in it carries a secret."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .exchange import mask
from .ledger import CheckOutcome, Finding, Ledger, Status
from .operations import BY_NAME, describe_operations
from .rules import RULES, Kind, Rule
from .settings import INPUTS, Settings

MAX_MESSAGE_LINES = 12
MAX_CURL_LENGTH = 2000
# The inputs a heading names when given (the rest are about the run, not the target).
_TARGET_INPUTS = (
    "foreign_slug",
    "foreign_secret",
    "other_env_secret",
    "revoked_secret",
    "inactive_secret",
    "ended_slug",
    "paused_slug",
)


@dataclass(frozen=True)
class RuleState:
    rule: Rule
    state: str  # checked, failed or skipped
    why: str = ""  # for a skipped rule: the input that would have checked it, or why not


def heading(settings: Settings, seed: int) -> str:
    where = f"{settings.base_url} (in process)" if settings.in_process else settings.base_url
    given = [item.option for item in INPUTS if item.name in _TARGET_INPUTS and getattr(settings, item.name)]
    absent = [
        item.option for item in INPUTS if item.name in _TARGET_INPUTS and not getattr(settings, item.name)
    ]
    care = "remote: every request may reach production" if settings.is_remote else "local"
    return "\n".join(
        [
            f"GamifyHost conformance of {where}: campaign {settings.slug}",
            f"Operations {describe_operations(settings.operations)}",
            f"Inputs given: {', '.join(given) or 'none'}; not given: {', '.join(absent) or 'none'}",
            f"{care}; at most {settings.max_batch_size} codes a batch; {settings.max_examples} generated "
            f"requests per operation and phase; {settings.workers} at a time; seed {seed}"
            + ("; read-only" if settings.read_only else ""),
        ]
    )


def rule_coverage(settings: Settings, ledger: Ledger) -> list[RuleState]:
    """Each rule of the catalogue: checked (by a check that ran), failed, or skipped and why."""
    states = []
    for rule in RULES:
        outcomes = [ledger.outcomes.get(tuple(check.split(".", 1))) for check in rule.checks]  # type: ignore[arg-type]
        ran = [outcome for outcome in outcomes if outcome is not None]
        if any(outcome.status is Status.FAILED for outcome in ran):
            states.append(RuleState(rule, "failed"))
        elif any(outcome.status is Status.PASSED for outcome in ran):
            states.append(RuleState(rule, "checked"))
        else:
            states.append(RuleState(rule, "skipped", _why_skipped(settings, rule, outcomes)))
    return states


def _why_skipped(settings: Settings, rule: Rule, outcomes: list[CheckOutcome | None]) -> str:
    """The inputs that would have checked the rule; failing any, why its checks were skipped."""
    inputs: dict[str, None] = {}
    reasons: dict[str, None] = {}
    for check, outcome in zip(rule.checks, outcomes, strict=True):
        operation = check.split(".", 1)[0]
        if outcome is None:
            if settings.selects(operation):
                reasons["it did not run"] = None
            else:
                inputs[f"--operations with {operation}"] = None
        elif outcome.needs:
            inputs[outcome.needs] = None
        else:
            reasons[outcome.reason] = None
    if inputs:
        return "needs " + " or ".join(inputs)
    return "; ".join(list(reasons)[:2])


def render(settings: Settings, ledger: Ledger, seed: int) -> str:
    """The summary of a finished run; no secret appears in it."""
    lines = [heading(settings, seed), ""]
    if ledger.preflight_failure:
        lines += ["PREFLIGHT FAILED", *_indent(ledger.preflight_failure, 2), ""]
    called = {operation for operation, _check in ledger.outcomes}
    for name in BY_NAME:
        if name in called or (settings.selects(name) and not ledger.preflight_failure):
            lines += _operation_section(name, ledger)
    if ledger.notes:
        lines += ["Notes on the inferred contract (reported; they do not fail the run):"]
        lines += [line for finding in _shortest(ledger.notes).values() for line in _finding_lines(finding, 2)]
        lines.append("")
    if ledger.held_back:
        lines += ["Held back, to keep the target safe (not sent):"]
        lines += [f"  - {what}" for what in ledger.held_back] + [""]
    if ledger.left_to_deployment:
        shown = ", ".join(f"{check} {count}" for check, count in sorted(ledger.left_to_deployment.items()))
        lines += [
            f"Left to the deployment: {sum(ledger.left_to_deployment.values())} answers a schema check would "
            f"have failed, where the docs leave the answer open ({shown})",
            "",
        ]
    if ledger.errors:
        lines += ["Errors (checks that could not finish):"]
        lines += [line for error in ledger.errors for line in _indent(error, 2, first="- ")] + [""]
    coverage = rule_coverage(settings, ledger)
    documented = [state for state in coverage if state.rule.kind is Kind.DOCUMENTED]
    checked = [state for state in documented if state.state != "skipped"]
    lines.append(f"documented rules checked: {len(checked)} of {len(documented)}")
    lines += [f"  skipped: {state.rule.id} ({state.why})" for state in documented if state.state == "skipped"]
    lines += [
        f"  failed: {state.rule.id}: {state.rule.text}" for state in documented if state.state == "failed"
    ]
    lines.append(
        f"Requests sent: {ledger.requests_sent}; batches created: {ledger.batches_created}; "
        f"codes created: {ledger.codes_created}; codes redeemed: {ledger.codes_redeemed}"
    )
    lines.append(verdict(ledger))
    return mask("\n".join(lines), settings.secrets())


def verdict(ledger: Ledger) -> str:
    if ledger.preflight_failure:
        return "Verdict: NOT CONFORMANT (preflight failed; nothing was checked)"
    if ledger.conforms:
        return "Verdict: CONFORMANT"
    failed = sorted({finding.key for finding in ledger.violations})
    reasons = [_count(len(failed), "check") + " of documented rules failed"] if failed else []
    reasons += [_count(len(ledger.errors), "error")] if ledger.errors else []
    return f"Verdict: NOT CONFORMANT ({'; '.join(reasons)})"


def _shortest(findings: list[Finding]) -> dict[str, Finding]:
    """The shortest reproduction of each check (the latest of equals)."""
    shown: dict[str, Finding] = {}
    for finding in findings:
        if len(finding.curl or "") <= len(shown.get(finding.key, finding).curl or ""):
            shown[finding.key] = finding
    return shown


def _operation_section(name: str, ledger: Ledger) -> list[str]:
    outcomes = {
        check: outcome for (operation, check), outcome in ledger.outcomes.items() if operation == name
    }
    lines = [f"{name}  {BY_NAME[name].title}"]
    if not outcomes:
        return [*lines, "  nothing checked", ""]
    counts = ledger.failure_counts()
    shown = _shortest([finding for finding in ledger.findings if finding.operation == name])
    for check, outcome in sorted(outcomes.items()):
        finding = shown.get(f"{name}.{check}")
        if outcome.status is Status.FAILED and finding is not None and finding.documented:
            lines.append(f"  FAILED   {check} (on {counts[(name, check)]} of {outcome.evaluations} answers)")
            lines += _finding_lines(finding, 11, with_title=False)
    for check, outcome in sorted(outcomes.items()):
        if outcome.status is Status.FAILED and not shown[f"{name}.{check}"].documented:
            lines.append(f"  NOTE     {check} (inferred contract: on {counts[(name, check)]} answers)")
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


def _finding_lines(finding: Finding, width: int, *, with_title: bool = True) -> list[str]:
    message = finding.message.splitlines()
    if len(message) > MAX_MESSAGE_LINES:
        message = [*message[:MAX_MESSAGE_LINES], "..."]
    lines = _indent(f"{finding.key}: {message[0]}", width) if with_title else _indent(message[0], width)
    lines += _indent("\n".join(message[1:]), width) if len(message) > 1 else []
    if finding.curl and len(finding.curl) > MAX_CURL_LENGTH:
        cut = f"{finding.curl[:MAX_CURL_LENGTH]}... (cut: {len(finding.curl)} characters)"
        lines += _indent(cut, width, first="$ ")
    elif finding.curl:
        lines += _indent(finding.curl, width, first="$ ")
    return lines


def _indent(text: str, width: int, first: str = "") -> list[str]:
    pad = " " * width
    return [
        f"{pad}{first if index == 0 else ' ' * len(first)}{line}"
        for index, line in enumerate(text.splitlines())
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
