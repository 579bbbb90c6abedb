"""Helpers for testing the conformance suite: its standard arguments, and reading its report."""

from __future__ import annotations

from conformance import Report

ACME_SECRET = "sk_test_acme_mock_secret"
# Every input the bundled fixtures give something to point at.
INPUTS = [
    "--api-secret", ACME_SECRET,
    "--slug", "summer-promo",
    "--foreign-slug", "winter-sale",
    "--foreign-secret", "sk_test_globex_mock_secret",
    "--other-env-secret", "sk_live_acme_mock_secret",
    "--revoked-secret", "sk_test_acme_revoked_secret",
    "--inactive-secret", "sk_test_initech_inactive_app",
    "--ended-slug", "autumn-2024",
    "--paused-slug", "spring-launch",
]  # fmt: skip
# Small and seeded: a run of the whole suite takes a few seconds in process.
SUITE_ARGUMENTS = [*INPUTS, "--max-examples", "10", "--seed", "20251123"]
ALL_OPERATIONS = ["--operations", "generate,batches,verify,stats,redeem"]
SEEDS = (1, 2, 3, 4, 5)


def failed_checks(report: Report) -> set[str]:
    """`operation.check` of every check of a documented rule the run saw fail."""
    assert report.judge is not None, report.summary
    return {finding.key for finding in report.judge.books.violations}


def failed_lines(report: Report) -> set[str]:
    """`operation.check` as the printed summary names the failed checks."""
    names, operation = set(), ""
    for line in report.summary.splitlines():
        if line and not line.startswith(" ") and "  " in line:
            operation = line.split()[0]
        elif line.startswith("  FAILED "):
            names.add(f"{operation}.{line.split()[1]}")
    return names


def with_seed(seed: int) -> list[str]:
    """SUITE_ARGUMENTS with another seed."""
    arguments = list(SUITE_ARGUMENTS)
    arguments[arguments.index("--seed") + 1] = str(seed)
    return arguments
