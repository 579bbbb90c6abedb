"""The suite rejects servers that break one documented rule each and names the check that caught it: in
process, and over HTTP through its proxy, which rejects them too, as does the HAR recording of the
same traffic. It reports a deviation from the inferred contract without failing the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import broken_servers as broken
import pytest
from asgi_rewrite import Answer, Asked, Rewrite
from conformance_kit import ALL_OPERATIONS, SUITE_ARGUMENTS, failed_checks, failed_lines, with_seed
from har_kit import run_three_ways

from conformance import evaluate
from conformance.judge.operations import BY_NAME
from conformance.reports import render
from mockserver import create_app
from mockserver.kit.serving import free_port

# Each double, and a check that must name what it breaks (others may fire too).
BROKEN = {
    "fewer codes than asked": (broken.fewer_codes, "generate.codes_count_matches_request"),
    "a code twice in a batch": (broken.repeated_code, "generate.codes_unique_in_batch"),
    "no batch ever listed": (broken.lists_no_batches, "batches.generated_batch_listed"),
    "batchSize 10001 accepted": (broken.accepts_batch_size_10001, "generate.batch_size_out_of_range_refused"),
    "any secret accepted": (broken.ignores_secret, "generate.missing_secret_rejected"),
    "letter O in codes": (broken.code_with_letter_o, "generate.code_random_part"),
    "prefix not from the slug": (broken.wrong_prefix, "generate.code_prefix"),
    "5xx on malformed JSON": (broken.crashes_on_malformed_json, "generate.not_a_server_error"),
    "listing leaks codes": (broken.listing_leaks_codes, "batches.listing_has_no_codes"),
    "total one too many": (broken.wrong_total, "batches.listing_total_consistent"),
    "batchSize 1 refused": (broken.refuses_batch_size_1, "generate.positive_data_acceptance"),
    "5xx on an odd page": (broken.crashes_on_text_page, "batches.not_a_server_error"),
    "fresh code invalid": (broken.fresh_code_invalid, "verify.own_code_verifies_as_it_stands"),
    "verify points off by one": (broken.verify_wrong_points, "verify.verify_matches_generated_batch"),
    "unknown code 404": (broken.unknown_code_404, "verify.made_up_code_not_found"),
    "stats ignore new batches": (broken.stats_ignore_new_batches, "stats.counts_follow_what_happened"),
    "stats do not add up": (broken.stats_not_adding_up, "stats.stats_add_up"),
    "another partner's codes verify": (
        broken.foreign_codes_visible,
        "verify.code_invisible_to_other_partner",
    ),
    "another partner redeems": (broken.foreign_partner_redeems, "redeem.code_unredeemable_by_other_partner"),
    "TEST seen from LIVE": (broken.environments_shared, "verify.code_invisible_to_other_environment"),
    "TEST batches listed to LIVE": (
        broken.environments_shared,
        "batches.batches_invisible_to_other_environment",
    ),
    "revoked secret accepted": (broken.revoked_secret_accepted, "stats.revoked_secret_refused"),
    "inactive application accepted": (broken.inactive_application_accepted, "verify.inactive_secret_refused"),
    "ended campaign, expired false": (
        broken.ended_campaign_not_expired,
        "verify.verify_ended_campaign_expired",
    ),
    "paused campaign's code valid": (
        broken.paused_campaign_code_valid,
        "verify.closed_campaign_code_refused",
    ),
    "expired code still ACTIVE": (broken.expiry_ignored_by_verify, "verify.expired_code_not_valid"),
    "expired counted as revoked": (
        broken.expired_counted_as_revoked,
        "stats.counts_follow_what_happened",
    ),
    "expired code redeemed": (broken.expired_codes_redeemable, "redeem.expired_code_not_redeemed"),
    "unknown code redeemed": (broken.unknown_codes_redeemable, "redeem.made_up_code_not_redeemed"),
    "concurrent redemptions all succeed": (
        broken.ConcurrentRedemptionsAllSucceed,
        "redeem.redeemed_once",
    ),
    "code redeemed twice": (broken.redeems_twice, "redeem.redeemed_once"),
    "redeemed code still ACTIVE": (
        broken.verify_ignores_redemption,
        "verify.redeemed_code_not_valid_again",
    ),
    "redeem awards the batch size": (broken.redeem_awards_batch_size, "redeem.redemption_awards_code_points"),
    "batchSize 3.7 taken as 3": (broken.fractions_cut, "generate.negative_data_rejection"),
}
# Two seeds each: a broken rule is caught by a deliberate check, whatever the generated requests.
# Where the proxy and a HAR file catch a double by another check than the suite's own run: what
# only a probe knows (a code nobody was given) they see as a contradiction of the answers.
PASSIVE = {
    "unknown code 404": "verify.positive_data_acceptance",
    "unknown code redeemed": "verify.verify_finds_generated_code",
}


@pytest.mark.parametrize(("make_app", "check"), BROKEN.values(), ids=BROKEN.keys())
def test_suite_rejects_broken_server_in_process(
    check_in_process: Callable, make_app: Callable, check: str
) -> None:
    report = check_in_process(make_app(), *ALL_OPERATIONS, base=with_seed(2))
    assert report.exit_code == 1, report.summary
    assert check in failed_checks(report), report.summary
    assert check in failed_lines(report), report.summary
    assert "Verdict: NOT CONFORMANT" in report.summary


@pytest.mark.parametrize("name", BROKEN)
def test_the_run_its_proxy_and_its_recording_each_reject_a_broken_server(name: str, tmp_path: Path) -> None:
    """Over HTTP through the proxy, on another seed: the suite's verdict, the proxy's, and the HAR's."""
    make_app, check = BROKEN[name]
    seen = run_three_ways(make_app(), with_seed(1), tmp_path)
    assert seen.active.exit_code == 1 and check in failed_checks(seen.active), seen.active.summary
    for verdict in (seen.proxy, seen.har.session):
        assert verdict is not None and verdict.exit_code == 1, (
            render(verdict) if verdict else seen.har.summary
        )
        assert PASSIVE.get(name, check) in {f.key for f in verdict.judge.books.violations}, render(verdict)


def test_ignored_secret_is_caught_for_every_operation(check_in_process: Callable) -> None:
    report = check_in_process(broken.ignores_secret(), *ALL_OPERATIONS)
    assert {
        f"{operation}.{check}"
        for operation in BY_NAME
        for check in ("missing_secret_rejected", "made_up_secret_rejected")
    } <= failed_checks(report)


def test_suite_rejects_a_mock_of_spec_examples(check_in_process: Callable) -> None:
    report = check_in_process(broken.spec_examples())
    assert report.exit_code == 1
    assert {
        "generate.codes_count_matches_request",
        "generate.missing_secret_rejected",
        "generate.batch_size_out_of_range_refused",
        "batches.generated_batch_listed",
        "verify.made_up_code_not_found",
        "stats.counts_follow_what_happened",
    } <= failed_checks(report), report.summary


def test_run_with_a_wrong_secret_is_never_green(check_in_process: Callable) -> None:
    report = check_in_process(create_app(), "--api-secret", "sk_test_not_a_partner_secret")
    assert report.exit_code == 1
    assert "PREFLIGHT FAILED" in report.summary
    assert "401" in report.summary
    assert "Verdict: NOT CONFORMANT (preflight failed" in report.summary
    assert report.session is not None and report.session.traffic.requests_sent == 1
    # Nothing was judged: no list of rules with made-up reasons for it.
    assert "documented rules judged: 0 of 42 (the preflight failed: nothing was judged)" in report.summary
    assert "not judged:" not in report.summary


def test_a_deviation_from_the_inferred_contract_is_a_note(check_in_process: Callable) -> None:
    """A redeem that wants another body than the inferred {code, userId}: reported, not failed."""

    def other_body(asked: Asked) -> Asked | Answer:
        acme = asked.headers.get("x-api-secret") == broken.ACME_SECRET
        if acme and asked.method == "POST" and asked.path.endswith("/redeem"):
            return Answer(422, {"status": "error", "code": 422, "message": "user_id is required"})
        return asked

    report = check_in_process(Rewrite(create_app(), on_request=other_body), *ALL_OPERATIONS)
    assert report.exit_code == 0, report.summary
    assert "  NOTE     own_code_redeemed" in report.summary
    assert "Notes on the inferred contract" in report.summary
    assert report.summary.endswith("Verdict: CONFORMANT")


def test_an_unreachable_target_is_one_line_and_no_verdict() -> None:
    report = evaluate(["--base-url", f"http://127.0.0.1:{free_port()}", *SUITE_ARGUMENTS], environ={})
    assert report.exit_code == 3
    assert report.summary.count("\n") == 0, report.summary
    assert report.summary.startswith("gamifyhost-conformance: cannot reach http://127.0.0.1:")
    assert "connection refused" in report.summary and "Verdict" not in report.summary


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
