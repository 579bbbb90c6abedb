"""The session as a junit XML report (--junit-xml): one testcase per check that judged something."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from pathlib import Path

from ..judge import Finding, mask
from ..sources.session import Session


def write_junit(path: str, session: Session) -> None:
    """One testcase per check (classname: its operation), failures and skipped probes as junit has them."""
    books = session.judge.books
    suite = ElementTree.Element("testsuite", name="gamifyhost-conformance")
    counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": len(books.errors)}
    for (operation, check), outcome in sorted(books.outcomes.items()):
        case = ElementTree.SubElement(suite, "testcase", classname=operation, name=check)
        counts["tests"] += 1
        findings = [finding for finding in books.findings if finding.key == f"{operation}.{check}"]
        if outcome.failed and any(finding.documented for finding in findings):
            counts["failures"] += 1
            failure = ElementTree.SubElement(case, "failure", message=findings[0].message.splitlines()[0])
            failure.text = _text(findings)
    for (operation, probe), outcome in sorted(session.probes.items()):
        if not outcome.ran and outcome.skipped:
            case = ElementTree.SubElement(suite, "testcase", classname=operation, name=f"probe {probe}")
            counts["tests"] += 1
            counts["skipped"] += 1
            ElementTree.SubElement(case, "skipped", message=outcome.skipped)
    for error in books.errors:
        ElementTree.SubElement(
            ElementTree.SubElement(suite, "testcase", classname="suite", name="error"), "error"
        ).text = error
    for name, count in counts.items():
        suite.set(name, str(count))
    text = ElementTree.tostring(suite, encoding="unicode")
    secrets = session.judge.memory.roles.variables
    Path(path).write_text(
        mask(f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n', secrets), encoding="utf-8"
    )


def _text(findings: Iterable[Finding]) -> str:
    return "\n\n".join(
        f"{finding.message}\n$ {finding.curl}" if finding.curl else finding.message for finding in findings
    )
