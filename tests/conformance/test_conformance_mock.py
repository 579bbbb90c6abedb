"""The project's own mock conforms: in process, over HTTP through the console script with every
input, through `python -m conformance.kit.local`, and under pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from asgi_rewrite import Answer, Asked, recording
from conformance_kit import ACME_SECRET, ALL_OPERATIONS, INPUTS

from conformance.judge.operations import REDEEM
from mockserver import create_app
from mockserver.kit.serving import serve_in_thread

PYTEST = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider"]


def console_script(name: str = "gamifyhost-conformance") -> list[str]:
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", "conformance"]


def run(command: list[str], cwd: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("GAMIFYHOST_", "PYTEST_"))}
    return subprocess.run(
        command, env={**variables, **environment}, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_mock_conforms_in_process_without_ever_redeeming(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log))
    assert report.exit_code == 0, report.summary
    assert report.summary.endswith("Verdict: CONFORMANT")
    assert "SKIPPED  probe batch_size_10000: --max-batch-size 100 is below 10,000" in report.summary
    assert "documented rules judged: 40 of 42" in report.summary, report.summary
    assert "  not judged: codes.one-time (needs --operations with redeem)" in report.summary
    traffic = report.session.traffic
    assert traffic.batches_created > 0 and traffic.requests_sent > 100
    assert {operation for operation, _check in report.judge.books.outcomes} == {
        "generate",
        "batches",
        "verify",
        "stats",
    }
    # Redeem, an inferred contract, is checked only when named: not one request reaches it.
    assert not [asked.path for asked, _answer in log if asked.path.endswith("/redeem")]
    assert traffic.codes_redeemed == 0


def test_mock_conforms_with_every_input_over_http(tmp_path: Path) -> None:
    arguments = [argument for argument in INPUTS if argument != ACME_SECRET and argument != "--api-secret"]
    junit, page = tmp_path / "conformance.xml", tmp_path / "conformance.html"
    with serve_in_thread(create_app()) as base_url:
        command = [*console_script(), "--base-url", base_url, *arguments, *ALL_OPERATIONS, "--max-batch-size"]
        command += ["10001", "--junit-xml", str(junit), "--html", str(page)]
        finished = run(command, tmp_path, GAMIFYHOST_API_SECRET=ACME_SECRET)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[0].startswith(f"GamifyHost conformance of {base_url}: campaign summer-promo")
    assert "Inputs given: --api-secret, --foreign-slug, --foreign-secret, --other-env-secret" in lines[2]
    assert lines[-2:] == [
        "Requests sent: " + lines[-2].split("Requests sent: ")[1],
        "Verdict: CONFORMANT",
    ]
    assert "documented rules judged: 42 of 42" in finished.stdout
    assert "SKIPPED" not in finished.stdout
    secrets = [argument for argument in INPUTS if argument.startswith("sk_")]
    for text in (
        finished.stdout,
        finished.stderr,
        junit.read_text(encoding="utf-8"),
        page.read_text(encoding="utf-8"),
    ):
        assert not any(secret in text for secret in secrets)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["conformance.html", "conformance.xml"]


def test_conformance_local_checks_the_bundled_mock_with_every_input(tmp_path: Path) -> None:
    finished = run(
        [sys.executable, "-m", "conformance.kit.local", *ALL_OPERATIONS, "--max-examples", "5"], tmp_path
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "documented rules judged: 42 of 42" in finished.stdout
    assert finished.stdout.rstrip().endswith("Verdict: CONFORMANT")


def test_redeem_runs_only_in_the_path_of_its_own_campaigns(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), *ALL_OPERATIONS)
    assert report.exit_code == 0, report.summary
    assert report.session.traffic.codes_redeemed >= 4
    slugs = {asked.path.split("/")[3] for asked, _answer in log if REDEEM.matches(asked.method, asked.path)}
    # The path's slug is pinned in every phase: only the suite's own checks name other campaigns.
    assert {slug for slug in slugs if not slug.startswith("conformance-unknown-")} == {
        "summer-promo",
        "winter-sale",
        "autumn-2024",
        "spring-launch",
    }


def test_mock_conforms_under_pytest_pyargs(tmp_path: Path) -> None:
    with serve_in_thread(create_app()) as base_url:
        finished = run(
            [*PYTEST, f"--gh-base-url={base_url}", "--gh-max-examples=5", "-k", "batches"],
            tmp_path,
            GAMIFYHOST_API_SECRET=ACME_SECRET,
            GAMIFYHOST_SLUG="summer-promo",
            GAMIFYHOST_FOREIGN_SLUG="winter-sale",
        )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "GamifyHost conformance" in finished.stdout
    assert "Verdict: CONFORMANT" in finished.stdout
    assert "batches.generated_then_listed" in finished.stdout or " passed" in finished.stdout


def test_pytest_pyargs_fails_a_broken_target_on_the_check_that_caught_it(tmp_path: Path) -> None:
    import broken_servers

    with serve_in_thread(broken_servers.wrong_total()) as base_url:
        finished = run(
            [*PYTEST, f"--gh-base-url={base_url}", "--gh-max-examples=5", "-k", "batches", "-rf"],
            tmp_path,
            GAMIFYHOST_API_SECRET=ACME_SECRET,
            GAMIFYHOST_SLUG="summer-promo",
        )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "batches.listing_total_consistent" in finished.stdout
    assert "Verdict: NOT CONFORMANT" in finished.stdout
