"""The readable verdict of a session: per operation each check's outcome, the rules judged, and a curl
line per failure. Nothing in it carries a secret."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..judge import Finding, Kind, Rule, mask
from ..judge.operations import BY_NAME, describe_operations
from ..judge.rules import RULES
from ..sources.active.probes import PROBES
from ..sources.session import Session
from ..sources.settings import ACTIVE, HAR, INPUTS, PROXY

MAX_MESSAGE_LINES = 12
MAX_CURL_LENGTH = 2000
# The inputs a heading names when given (the rest are about the run, not the target).
_TARGET_INPUTS = (
    "api_secret",
    "foreign_slug",
    "foreign_secret",
    "other_env_secret",
    "revoked_secret",
    "inactive_secret",
    "ended_slug",
    "paused_slug",
)
NOT_EXERCISED = "this traffic never showed it"
PROBES_ONLY = "only the active run's probes show it"


@dataclass(frozen=True)
class RuleState:
    rule: Rule
    state: str  # judged, failed or not judged
    why: str = ""  # for a rule not judged: the input that would have, or why not


def heading(session: Session) -> str:
    settings = session.settings
    given = [item.option for item in INPUTS if item.name in _TARGET_INPUTS and getattr(settings, item.name)]
    absent = [
        item.option for item in INPUTS if item.name in _TARGET_INPUTS and not getattr(settings, item.name)
    ]
    inputs = f"Inputs given: {', '.join(given) or 'none'}; not given: {', '.join(absent) or 'none'}"
    if settings.mode == HAR:
        return "\n".join([f"GamifyHost conformance of recorded traffic: {', '.join(settings.har)}", inputs])
    if settings.mode == PROXY:
        host, port = settings.proxy or ("", 0)
        return "\n".join(
            [
                f"GamifyHost conformance of live traffic: a proxy on {host}:{port} in front of "
                f"{settings.base_url}",
                inputs,
            ]
        )
    where = f"{settings.base_url} (in process)" if settings.in_process else settings.base_url
    care = "remote: every request may reach production" if settings.is_remote else "local"
    return "\n".join(
        [
            f"GamifyHost conformance of {where}: campaign {settings.slug}",
            f"Operations {describe_operations(settings.operations)}",
            inputs,
            f"{care}; at most {settings.max_batch_size} codes a batch; {settings.max_examples} generated "
            f"requests per operation and phase; {settings.workers} at a time; seed {session.seed}"
            + ("; read-only" if settings.read_only else ""),
        ]
    )


def rule_states(session: Session) -> list[RuleState]:
    """Each rule of the catalogue: judged (a check of it judged an exchange), failed, or not judged (why)."""
    outcomes = session.judge.books.outcomes
    failed = {(finding.operation, finding.check) for finding in session.judge.books.findings}
    states = []
    for rule in RULES:
        if any(key in failed for key in rule.keys):
            states.append(RuleState(rule, "failed"))
        elif any(outcomes.get(key) and outcomes[key].judged for key in rule.keys):
            states.append(RuleState(rule, "judged"))
        else:
            states.append(RuleState(rule, "not judged", _why_not(session, rule)))
    return states


def _why_not(session: Session, rule: Rule) -> str:
    """The inputs that would have let a probe show the rule; failing any, why none did."""
    settings = session.settings
    if settings.mode != ACTIVE:
        return NOT_EXERCISED if rule.recorded else PROBES_ONLY
    if session.preflight_failure:
        return "the preflight failed"
    # The operations whose probes (else whose generated requests) show the rule.
    operations = {probe.operation for probe in PROBES if rule in probe.shows} or {
        operation for each in rule.checks for operation in each.operations
    }
    if not any(settings.selects(operation) for operation in operations):
        return "needs --operations with " + " or ".join(sorted(operations))
    outcomes = [
        outcome for outcome in session.probes.values() if rule.id in outcome.shows and not outcome.ran
    ]
    needs = list(dict.fromkeys(outcome.needs for outcome in outcomes if outcome.needs))
    if needs:
        return "needs " + " or ".join(needs)
    reasons = list(dict.fromkeys(outcome.skipped for outcome in outcomes if outcome.skipped))
    return "; ".join(reasons[:2]) or NOT_EXERCISED


def render(session: Session) -> str:
    """The summary of a finished session; no secret appears in it."""
    judge, books = session.judge, session.judge.books
    lines = [heading(session), ""]
    if session.preflight_failure:
        lines += ["PREFLIGHT FAILED", *_indent(session.preflight_failure, 2), ""]
    if session.settings.mode != ACTIVE:
        lines += [_traffic_line(session), ""]
    judged_operations = {operation for operation, _check in books.outcomes} | {
        operation for operation, _probe in session.probes
    }
    for name in BY_NAME:
        if name in judged_operations:
            lines += _operation_section(name, session)
    if books.notes:
        lines += ["Notes on the inferred contract (reported; they do not fail the run):"]
        lines += [line for finding in _shortest(books.notes).values() for line in _finding_lines(finding, 2)]
        lines.append("")
    if session.traffic is not None and session.traffic.held_back:
        lines += ["Held back, to keep the target safe (not sent):"]
        lines += [f"  - {what}" for what in session.traffic.held_back] + [""]
    if books.errors:
        lines += ["Errors (the suite could not finish something):"]
        lines += [line for error in books.errors for line in _indent(error, 2, first="- ")] + [""]
    lines += coverage_lines(session)
    if session.traffic is not None:
        traffic = session.traffic
        lines.append(
            f"Requests sent: {traffic.requests_sent}; batches created: {traffic.batches_created}; "
            f"codes created: {traffic.codes_created}; codes redeemed: {traffic.codes_redeemed}"
        )
    lines.append(verdict(session))
    return mask("\n".join(lines), judge.memory.roles.variables)


def coverage_lines(session: Session) -> list[str]:
    states = [state for state in rule_states(session) if state.rule.kind is Kind.DOCUMENTED]
    judged = [state for state in states if state.state != "not judged"]
    if session.preflight_failure:
        return [f"documented rules judged: 0 of {len(states)} (the preflight failed: nothing was judged)"]
    lines = [f"documented rules judged: {len(judged)} of {len(states)}"]
    lines += [
        f"  not judged: {state.rule.id} ({state.why})" for state in states if state.state == "not judged"
    ]
    lines += [f"  failed: {state.rule.id}: {state.rule.text}" for state in states if state.state == "failed"]
    return lines


def _traffic_line(session: Session) -> str:
    books = session.judge.books
    ignored = sum(books.ignored.values())
    shown = ", ".join(f"{what} ({count})" for what, count in books.ignored.most_common(5))
    more = f" and {len(books.ignored) - 5} more" if len(books.ignored) > 5 else ""
    line = f"Exchanges judged: {books.judged}; ignored (not the API's): {ignored}"
    line += f" ({shown}{more})" if ignored else ""
    return line + f"; unreachable: {books.unreachable}"


def verdict(session: Session) -> str:
    books = session.judge.books
    if session.unreachable:
        return f"Nothing was judged: {session.unreachable}"
    if session.preflight_failure:
        return "Verdict: NOT CONFORMANT (preflight failed; nothing was checked)"
    if session.conforms and session.settings.mode != ACTIVE and books.judged == 0:
        return "Verdict: CONFORMANT, vacuously: no exchange of the API's passed, nothing was judged"
    if session.conforms:
        return "Verdict: CONFORMANT"
    failed = sorted({finding.key for finding in books.violations})
    reasons = [_count(len(failed), "check") + " of documented rules failed"] if failed else []
    reasons += [_count(len(books.errors), "error")] if books.errors else []
    return f"Verdict: NOT CONFORMANT ({'; '.join(reasons)})"


def _shortest(findings: list[Finding]) -> dict[str, Finding]:
    """The shortest reproduction of each check (the latest of equals)."""
    shown: dict[str, Finding] = {}
    for finding in findings:
        if len(finding.curl or "") <= len(shown.get(finding.key, finding).curl or ""):
            shown[finding.key] = finding
    return shown


def _operation_section(name: str, session: Session) -> list[str]:
    books = session.judge.books
    outcomes = {check: outcome for (operation, check), outcome in books.outcomes.items() if operation == name}
    lines = [f"{name}  {BY_NAME[name].title}"]
    counts = books.failure_counts()
    shown = _shortest([finding for finding in books.findings if finding.operation == name])
    for key, finding in sorted(shown.items()):
        check = key.split(".", 1)[1]
        if finding.documented:
            lines.append(f"  FAILED   {check} (on {counts[key]} of {outcomes[check].judged} exchanges)")
            lines += _finding_lines(finding, 11, with_title=False)
    for key, finding in sorted(shown.items()):
        if not finding.documented:
            lines.append(f"  NOTE     {key.split('.', 1)[1]} (inferred contract: on {counts[key]} exchanges)")
    for (operation, probe), outcome in sorted(session.probes.items()):
        if operation == name and not outcome.ran and outcome.skipped:
            lines.append(f"  SKIPPED  probe {probe}: {outcome.skipped}")
    passed = sorted(check for check, outcome in outcomes.items() if outcome.judged and not outcome.failed)
    if passed:
        wrapped = textwrap.wrap(", ".join(passed), width=96)
        lines += [
            f"  passed   {len(passed)} checks: {wrapped[0]}",
            *(f"{' ' * 11}{part}" for part in wrapped[1:]),
        ]
    if len(lines) == 1:
        lines.append("  nothing judged")
    return [*lines, ""]


def _finding_lines(finding: Finding, width: int, *, with_title: bool = True) -> list[str]:
    message = finding.message.splitlines()
    if len(message) > MAX_MESSAGE_LINES:
        message = [*message[:MAX_MESSAGE_LINES], "..."]
    lines = _indent(f"{finding.key}: {message[0]}", width) if with_title else _indent(message[0], width)
    lines += _indent("\n".join(message[1:]), width) if len(message) > 1 else []
    if len(finding.exchanges) > 1:
        lines += _indent(f"(rests on exchanges {', '.join(map(str, finding.exchanges))})", width)
    if finding.curl and len(finding.curl) > MAX_CURL_LENGTH:
        cut = f"{finding.curl[:MAX_CURL_LENGTH]}... (cut: {len(finding.curl)} characters)"
        lines += _indent(cut, width, first="$ ")
    elif finding.curl:
        lines += _indent(finding.curl, width, first="$ ")
    return lines


def violation_line(finding: Finding) -> str:
    """One line for a violation the moment it is seen (the proxy's), then its curl line."""
    kind = "VIOLATION" if finding.documented else "NOTE"
    rules = ",".join(finding.rules) or finding.check
    first = finding.message.splitlines()[0]
    where = f"{finding.key} on exchange {finding.exchanges[-1]}"
    return f"{kind} [{rules}] {where}: {first}\n  $ {finding.curl or ''}"


def _indent(text: str, width: int, first: str = "") -> list[str]:
    pad = " " * width
    return [
        f"{pad}{first if index == 0 else ' ' * len(first)}{line}"
        for index, line in enumerate(text.splitlines())
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
