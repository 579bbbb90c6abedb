"""The suite rejects servers that break one documented rule each, and names the check that caught it."""

from __future__ import annotations

from collections.abc import Callable

import broken_servers as broken
import pytest
from conformance_kit import failed_checks, failed_lines

from conformance.operations import BY_NAME
from mockserver import create_app

# Each double, and a check that must name what it breaks (others may fire too).
BROKEN = {
    "fewer codes than asked": (broken.fewer_codes, "generate.codes_count_matches_request"),
    "a code twice in a batch": (broken.repeated_code, "generate.codes_unique_in_batch"),
    "no batch ever listed": (broken.lists_no_batches, "batches.generated_batch_listed"),
    "batchSize 10001 accepted": (broken.accepts_batch_size_10001, "generate.batch_size_10001_rejected"),
    "any secret accepted": (broken.ignores_secret, "generate.missing_secret_rejected"),
    "letter O in codes": (broken.code_with_letter_o, "generate.code_random_part"),
    "prefix not from the slug": (broken.wrong_prefix, "generate.code_prefix"),
    "listing oldest first": (broken.oldest_first, "batches.listing_newest_first"),
    "5xx on malformed JSON": (broken.crashes_on_malformed_json, "generate.malformed_body_rejected"),
    "listing leaks codes": (broken.listing_leaks_codes, "batches.listing_has_no_codes"),
    "total one too many": (broken.wrong_total, "batches.listing_total_consistent"),
    "batchSize 1 refused": (broken.refuses_batch_size_1, "generate.batch_size_1_accepted"),
    "5xx on an odd page": (broken.crashes_on_text_page, "batches.odd_query_not_server_error"),
    "fresh code invalid": (broken.fresh_code_invalid, "verify.generated_code_verifies_valid"),
    "verify points off by one": (broken.verify_wrong_points, "verify.verify_matches_generated_batch"),
    "unknown code 404": (broken.unknown_code_404, "verify.unknown_code_not_found"),
    "stats ignore new batches": (broken.stats_ignore_new_batches, "stats.counts_grow_by_generated_batch"),
    "stats do not add up": (broken.stats_not_adding_up, "stats.stats_add_up"),
    # Redeem is checked only when named: the check's operation is named below.
    "code redeemed twice": (broken.redeems_twice, "redeem.second_redemption_refused"),
    "redeemed code still ACTIVE": (
        broken.verify_ignores_redemption,
        "redeem.redeemed_code_verifies_redeemed",
    ),
}


@pytest.mark.parametrize(("make_app", "check"), BROKEN.values(), ids=BROKEN.keys())
def test_suite_rejects_broken_server(check_in_process: Callable, make_app: Callable, check: str) -> None:
    # Only the operation of the check that must fire: the run stays short, and names it all the same.
    report = check_in_process(make_app(), "--operations", check.split(".")[0])
    assert report.exit_code != 0, report.summary
    assert check in failed_checks(report), report.summary
    assert check in failed_lines(report), report.summary
    assert "Verdict: NOT CONFORMANT" in report.summary


def test_ignored_secret_is_caught_for_every_operation(check_in_process: Callable) -> None:
    report = check_in_process(broken.ignores_secret(), "--operations", ",".join(BY_NAME))
    assert {
        f"{operation}.{check}"
        for operation in BY_NAME
        for check in ("missing_secret_rejected", "wrong_secret_rejected")
    } <= failed_checks(report)


def test_suite_rejects_a_mock_of_spec_examples(check_in_process: Callable) -> None:
    report = check_in_process(broken.spec_examples())
    assert report.exit_code != 0
    assert {
        "generate.codes_count_matches_request",
        "generate.missing_secret_rejected",
        "generate.batch_size_0_rejected",
        "batches.generated_batch_listed",
        "verify.unknown_code_not_found",
        "stats.counts_grow_by_generated_batch",
    } <= failed_checks(report), report.summary


def test_run_with_a_wrong_secret_is_never_green(check_in_process: Callable) -> None:
    report = check_in_process(create_app(), "--api-secret", "sk_test_not_a_partner_secret")
    assert report.exit_code != 0
    assert "PREFLIGHT FAILED" in report.summary
    assert "401" in report.summary
    assert "Verdict: NOT CONFORMANT (preflight failed" in report.summary
    assert report.target is not None and report.target.ledger.requests_sent == 1


def test_secret_echoed_by_the_target_is_masked_everywhere(check_in_process: Callable, tmp_path) -> None:
    junit = tmp_path / "report.xml"
    report = check_in_process(broken.echoes_secret(), "--junit-xml", str(junit))
    assert report.exit_code != 0
    assert "generate.missing_secret_rejected" in failed_checks(report)
    assert broken.ACME_SECRET not in report.summary
    assert "$GAMIFYHOST_API_SECRET" in report.summary
    xml = junit.read_text(encoding="utf-8")
    assert "<testcase" in xml and "failure" in xml
    assert broken.ACME_SECRET not in xml
