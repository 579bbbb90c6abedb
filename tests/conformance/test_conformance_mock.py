"""The project's own mock conforms: in process, over HTTP through the console script, and under pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from asgi_rewrite import Answer, Asked, recording
from conformance_kit import ACME_SECRET, SUITE_ARGUMENTS

from conformance.operations import BY_NAME, REDEEM
from mockserver import create_app
from mockserver.serving import serve_in_thread

PYTEST = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider"]


def console_script() -> list[str]:
    script = Path(sys.executable).with_name("gamifyhost-conformance")
    return [str(script)] if script.exists() else [sys.executable, "-m", "conformance"]


def test_mock_conforms_in_process(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log))
    assert report.exit_code == 0, report.summary
    assert "Verdict: CONFORMANT" in report.summary
    assert "SKIPPED  batch_size_10000_accepted: --max-batch-size 100 is below 10000" in report.summary
    ledger = report.target.ledger
    assert ledger.batches_created > 0 and ledger.requests_sent > 100
    assert {operation for operation, _check in ledger.outcomes} == {"generate", "batches", "verify", "stats"}
    # Redeem, an inferred contract, is checked only when named: not one request reaches it.
    assert not [asked.path for asked, _answer in log if REDEEM.matches(asked.method, asked.path)]
    assert not [asked.path for asked, _answer in log if asked.path.endswith("/redeem")]
    assert ledger.codes_redeemed == 0


def test_mock_conforms_with_the_inferred_redeem(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), "--operations", ",".join(BY_NAME))
    assert report.exit_code == 0, report.summary
    assert "Verdict: CONFORMANT" in report.summary
    assert "redeem (inferred contract); max batch size" in report.summary
    assert "\nredeem  POST /v1/campaigns/{slug}/redeem (inferred contract)\n" in report.summary
    assert "redeem.second_redemption_refused" not in report.summary  # passed, not failed
    assert report.target.ledger.codes_redeemed >= 4
    # The path's slug is pinned in every phase: only the suite's own probes name other campaigns.
    slugs = {asked.path.split("/")[3] for asked, _answer in log if REDEEM.matches(asked.method, asked.path)}
    assert "summer-promo" in slugs
    assert {slug for slug in slugs if not slug.startswith("conformance-unknown-")} == {
        "summer-promo",
        "winter-sale",
    }


def test_mock_conforms_over_http_through_the_console_script(tmp_path: Path) -> None:
    arguments = [argument for argument in SUITE_ARGUMENTS if argument not in ("--api-secret", ACME_SECRET)]
    junit = tmp_path / "conformance.xml"
    with serve_in_thread(create_app()) as base_url:
        finished = subprocess.run(
            [
                *console_script(),
                "--base-url",
                base_url,
                *arguments,
                "--max-batch-size",
                "10000",
                "--junit-xml",
                str(junit),
            ],
            env={**os.environ, "GAMIFYHOST_API_SECRET": ACME_SECRET},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Verdict: CONFORMANT" in finished.stdout
    assert "batch_size_10000_accepted" in finished.stdout and "SKIPPED" not in finished.stdout
    assert ACME_SECRET not in finished.stdout + finished.stderr + junit.read_text(encoding="utf-8")
    assert not (tmp_path / ".hypothesis").exists()  # nothing left behind in the working directory


def test_mock_conforms_under_pytest_pyargs(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as base_url:
        finished = subprocess.run(
            [*PYTEST, f"--gh-base-url={base_url}", "--gh-max-examples=5", "-m=batches"],
            env={
                **os.environ,
                "GAMIFYHOST_API_SECRET": ACME_SECRET,
                "GAMIFYHOST_SLUG": "summer-promo",
                "GAMIFYHOST_FOREIGN_SLUG": "winter-sale",
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "GamifyHost conformance" in finished.stdout
    assert "Verdict: CONFORMANT" in finished.stdout
    assert "foreign campaign winter-sale" in finished.stdout
