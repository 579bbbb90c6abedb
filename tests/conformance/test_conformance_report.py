"""What a run writes: progress lines as it goes, the HTML page (opened in headless Chromium with no
network), and the junit report; no secret in any of them."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import broken_servers as broken
import pytest
from conformance_kit import ALL_OPERATIONS, SUITE_ARGUMENTS
from helpers_browser import launched_chromium

from conformance import evaluate
from conformance.judge.rules import RULES
from conformance.reports import progress
from mockserver import create_app


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched_chromium() as launched:
        yield launched


def test_the_html_page_shows_verdict_rules_and_each_failure_offline(browser: object, tmp_path: Path) -> None:
    page_file = tmp_path / "report.html"
    report = evaluate(
        [*SUITE_ARGUMENTS, "--html", str(page_file)], app=broken.verify_wrong_points(), environ={}
    )
    assert report.exit_code == 1
    page = browser.new_page()  # type: ignore[attr-defined]
    fetched: list[str] = []
    page.route("**/*", lambda route: (fetched.append(route.request.url), route.continue_()))
    page.goto(page_file.as_uri())
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert fetched == [page_file.as_uri()]  # the page itself, and nothing else
    assert page.title() == "GamifyHost conformance report"
    assert page.inner_text("#verdict").startswith("Verdict: NOT CONFORMANT")
    assert page.locator("tr.rule").count() == len(RULES)
    assert "documented rules judged" in page.inner_text("#rules")
    failure = page.locator("#operation-verify details.failure").first
    assert "verify_matches_generated_batch" in failure.inner_text()
    assert "POST http://testserver/v1/campaigns/codes/verify" in failure.locator("pre.request").inner_text()
    assert failure.locator("pre.response").inner_text().startswith("200")
    assert "$GAMIFYHOST_API_SECRET" in failure.locator("pre.curl").inner_text()
    assert "sk_test_" not in page.content()
    assert (tmp_path / "report.png").stat().st_size > 10_000
    page.close()


def test_the_junit_report_has_a_testcase_per_check(check_in_process: Callable, tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    report = check_in_process(broken.stats_not_adding_up(), "--junit-xml", str(junit))
    text = junit.read_text(encoding="utf-8")
    assert report.exit_code == 1
    assert text.count("<testcase") >= len(report.judge.books.outcomes)
    assert '<testcase classname="stats" name="stats_add_up"><failure message="Expected totalCodes' in text
    assert (
        'name="revoked_secret_refused"' in text
        and "<skipped" not in text.split('name="stats_add_up"')[1][:40]
    )


def test_progress_comes_first_then_a_line_per_operation_and_phase() -> None:
    stream = io.StringIO()
    report = evaluate([*SUITE_ARGUMENTS, *ALL_OPERATIONS], app=create_app(), environ={}, stream=stream)
    assert report.exit_code == 0, report.summary
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith(
        "GamifyHost conformance of http://testserver (in process): campaign summer-promo"
    )
    assert lines[4] == "  preflight: the secret reaches --slug"
    groups = [tuple(line.split()[:2]) for line in lines[5:] if not line.startswith("  ...")]
    expected = {(name, phase) for name in ("generate", "batches", "verify", "stats", "redeem")
                for phase in ("probes", "examples", "coverage", "fuzzing")}  # fmt: skip
    assert expected | {("batches", "counts"), ("stats", "counts"), ("redeem", "counts")} == set(groups)
    assert len(groups) == len(set(groups))  # each once, when it finished
    assert all(phase == "counts" for _operation, phase in groups[-3:])  # the probes of counts come last


def test_a_heartbeat_speaks_when_nothing_finished_for_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "HEARTBEAT", 0.1)
    stream = io.StringIO()
    shown = progress.Progress(stream)
    shown.expect("generate", "coverage", "request", 3)
    shown.start(lambda: 7)
    deadline = time.monotonic() + 5
    while "running" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    shown.finished("generate", "coverage", "passed")
    shown.stop()
    assert "  ... 7 requests sent; running: generate coverage (0 of 3)" in stream.getvalue()
