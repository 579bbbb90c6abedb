"""The session as JSON (--json), the same for an active run, a HAR run and a proxy session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..judge import Kind, mask
from ..sources.session import Session
from .summary import rule_states, verdict

FORMAT = 1  # moves when a field changes meaning or goes


def report(session: Session) -> dict[str, Any]:
    """Verdict, traffic counts, each violation and note with the exchanges it rests on, and the rules."""
    books, settings = session.judge.books, session.settings
    states = rule_states(session)
    traffic = session.traffic
    return {
        "format": FORMAT,
        "mode": settings.mode,
        "target": settings.base_url or None,
        "sources": list(settings.har),
        "verdict": "conformant"
        if session.conforms
        else "unreachable"
        if session.unreachable
        else "not conformant",
        "summary": verdict(session),
        "exitCode": session.exit_code,
        "exchanges": {
            "judged": books.judged,
            "ignored": sum(books.ignored.values()),
            "ignoredByRequest": dict(books.ignored.most_common()),
            "unreachable": books.unreachable,
        },
        "requests": None
        if traffic is None
        else {
            "sent": traffic.requests_sent,
            "batchesCreated": traffic.batches_created,
            "codesCreated": traffic.codes_created,
            "codesRedeemed": traffic.codes_redeemed,
            "heldBack": list(traffic.held_back),
        },
        "violations": [_finding(finding) for finding in books.findings if finding.documented],
        "notes": [_finding(finding) for finding in books.findings if not finding.documented],
        "errors": list(books.errors),
        "preflightFailure": session.preflight_failure,
        "rules": {
            "documentedJudged": sum(
                1 for state in states if state.rule.kind is Kind.DOCUMENTED and state.state != "not judged"
            ),
            "documented": sum(1 for state in states if state.rule.kind is Kind.DOCUMENTED),
            "judged": [state.rule.id for state in states if state.state != "not judged"],
            "failed": [state.rule.id for state in states if state.state == "failed"],
            "notJudged": [
                {"rule": state.rule.id, "why": state.why} for state in states if state.state == "not judged"
            ],
        },
    }


def _finding(finding: Any) -> dict[str, Any]:
    return {
        "rule": finding.rules[0] if finding.rules else None,
        "rules": list(finding.rules),
        "class": Kind.DOCUMENTED.value if finding.documented else Kind.INFERRED.value,
        "operation": finding.operation,
        "check": finding.check,
        "message": finding.message,
        "exchange": finding.exchanges[-1] if finding.exchanges else None,
        "exchanges": list(finding.exchanges),
        "curl": finding.curl,
    }


def write_json(path: str, session: Session) -> None:
    text = json.dumps(report(session), indent=2, ensure_ascii=False)
    Path(path).write_text(mask(text, session.judge.memory.roles.variables) + "\n", encoding="utf-8")
