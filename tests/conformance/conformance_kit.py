"""Helpers for testing the conformance suite: its standard arguments, and reading its report."""

from __future__ import annotations

from conformance import Report

ACME_SECRET = "sk_test_acme_mock_secret"
# Small and seeded: a run of the whole suite takes a few seconds in process.
SUITE_ARGUMENTS = [
    "--api-secret", ACME_SECRET,
    "--slug", "summer-promo",
    "--foreign-slug", "winter-sale",
    "--max-examples", "10",
    "--seed", "20251123",
]  # fmt: skip


def failed_checks(report: Report) -> set[str]:
    """`operation.check` of every check the run saw fail."""
    assert report.target is not None, report.summary
    return {f"{finding.operation}.{finding.check}" for finding in report.target.ledger.findings}


def failed_lines(report: Report) -> set[str]:
    """`operation.check` as the printed summary names the failed checks."""
    names, operation = set(), ""
    for line in report.summary.splitlines():
        if line and not line.startswith(" ") and "  " in line:
            operation = line.split()[0]
        elif line.startswith("  FAILED "):
            names.add(f"{operation}.{line.split()[1]}")
    return names
