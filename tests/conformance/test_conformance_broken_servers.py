"""The suite rejects servers that break one documented rule each, names the check that caught it, on
every seed; and it reports a deviation from the inferred contract without failing the run."""

from __future__ import annotations

from collections.abc import Callable

import broken_servers as broken
import pytest
from conformance_kit import ALL_OPERATIONS, failed_checks, failed_lines, with_seed

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
    "another partner's codes verify": (broken.foreign_codes_visible, "verify.foreign_secret_code_not_found"),
    "another partner redeems": (broken.foreign_partner_redeems, "redeem.foreign_secret_cannot_redeem"),
    "TEST seen from LIVE": (broken.environments_shared, "verify.other_env_code_not_found"),
    "TEST batches listed to LIVE": (broken.environments_shared, "batches.other_env_lists_none_of_the_run"),
    "revoked secret accepted": (broken.revoked_secret_accepted, "stats.revoked_secret_refused"),
    "inactive application accepted": (broken.inactive_application_accepted, "verify.inactive_secret_refused"),
    "ended campaign, expired false": (
        broken.ended_campaign_not_expired,
        "verify.ended_campaign_code_refused",
    ),
    "paused campaign's code valid": (
        broken.paused_campaign_code_valid,
        "verify.paused_campaign_code_refused",
    ),
    "expired code still ACTIVE": (broken.expiry_ignored_by_verify, "verify.expired_code_verifies_expired"),
    "expired counted as revoked": (
        broken.expired_counted_as_revoked,
        "stats.expired_codes_counted_as_expired",
    ),
    "expired code redeemed": (broken.expired_codes_redeemable, "redeem.expired_code_refused"),
    "unknown code redeemed": (broken.unknown_codes_redeemable, "redeem.unknown_code_refused"),
    "concurrent redemptions all succeed": (
        broken.ConcurrentRedemptionsAllSucceed,
        "redeem.concurrent_redemptions_one_succeeds",
    ),
    "code redeemed twice": (broken.redeems_twice, "redeem.second_redemption_refused"),
    "redeemed code still ACTIVE": (
        broken.verify_ignores_redemption,
        "redeem.redeemed_code_verifies_redeemed",
    ),
}
# Two seeds each: a broken rule is caught by a deliberate check, whatever the generated requests.
SEEDS = (1, 2)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("make_app", "check"), BROKEN.values(), ids=BROKEN.keys())
def test_suite_rejects_broken_server(
    check_in_process: Callable, make_app: Callable, check: str, seed: int
) -> None:
    report = check_in_process(make_app(), *ALL_OPERATIONS, base=with_seed(seed))
    assert report.exit_code == 1, report.summary
    assert check in failed_checks(report), report.summary
    assert check in failed_lines(report), report.summary
    assert "Verdict: NOT CONFORMANT" in report.summary


def test_ignored_secret_is_caught_for_every_operation(check_in_process: Callable) -> None:
    report = check_in_process(broken.ignores_secret(), *ALL_OPERATIONS)
    assert {
        f"{operation}.{check}"
        for operation in BY_NAME
        for check in ("missing_secret_rejected", "wrong_secret_rejected")
    } <= failed_checks(report)


def test_suite_rejects_a_mock_of_spec_examples(check_in_process: Callable) -> None:
    report = check_in_process(broken.spec_examples())
    assert report.exit_code == 1
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
    assert report.exit_code == 1
    assert "PREFLIGHT FAILED" in report.summary
    assert "401" in report.summary
    assert "Verdict: NOT CONFORMANT (preflight failed" in report.summary
    assert report.ledger is not None and report.ledger.requests_sent == 1


def test_a_deviation_from_the_inferred_contract_is_a_note(check_in_process: Callable) -> None:
    def double_points(_asked: object, data: dict) -> None:
        data["pointsAwarded"] += 1

    app = broken.on_answers({("POST", "/v1/campaigns/summer-promo/redeem"): double_points})
    report = check_in_process(app, *ALL_OPERATIONS)
    assert report.exit_code == 0, report.summary
    assert "  NOTE     redemption_awards_code_points" in report.summary
    assert "Notes on the inferred contract" in report.summary
    assert report.summary.endswith("Verdict: CONFORMANT")


def test_secrets_echoed_by_the_target_are_masked_everywhere(check_in_process: Callable, tmp_path) -> None:
    junit, page = tmp_path / "report.xml", tmp_path / "report.html"
    report = check_in_process(broken.echoes_secret(), "--junit-xml", str(junit), "--html", str(page))
    assert report.exit_code == 1
    assert "generate.missing_secret_rejected" in failed_checks(report)
    for text in (report.summary, junit.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")):
        assert broken.ACME_SECRET not in text
        assert "$GAMIFYHOST_API_SECRET" in text
    assert "<testcase" in junit.read_text(encoding="utf-8") and "<failure" in junit.read_text(
        encoding="utf-8"
    )
