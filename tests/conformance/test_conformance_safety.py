"""The suite is safe to point at production: batches capped, read-only creates nothing, careful remotes."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from asgi_rewrite import Answer, Asked, recording
from conformance_kit import SUITE_ARGUMENTS

from conformance import evaluate
from conformance.fuzzing import capped, schemathesis_config
from conformance.operations import BY_NAME, DEFAULT_OPERATION_NAMES, REDEEM, VERIFY
from conformance.settings import resolve
from mockserver import create_app
from mockserver.serving import serve_in_thread

GENERATE = ("POST", "/v1/campaigns/codes/generate")
REMOTE = {"base_url": "https://api.gamifyhost.com", "api_secret": "sk_live_x", "slug": "summer-promo"}


def asked_batch_sizes(log: list[tuple[Asked, Answer]]) -> list[object]:
    bodies = [asked.json() for asked, _answer in log if (asked.method, asked.path) == GENERATE]
    return [body["batchSize"] for body in bodies if isinstance(body, dict) and "batchSize" in body]


def created_batch_sizes(log: list[tuple[Asked, Answer]]) -> list[int]:
    return [
        answer.payload["data"]["count"]
        for asked, answer in log
        if (asked.method, asked.path) == GENERATE and answer.status == 200
    ]


def test_no_batch_above_the_cap_in_any_phase(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), "--max-batch-size", "3")
    assert report.exit_code == 0, report.summary
    sizes = asked_batch_sizes(log)
    numbers = [size for size in sizes if isinstance(size, int | float) and not isinstance(size, bool)]
    # The one deliberate exception: 10001, which a conforming server refuses.
    assert {size for size in numbers if size > 3} == {10001}
    assert all(int(size) <= 3 for size in sizes if isinstance(size, str) and size.isdigit())
    created = created_batch_sizes(log)
    assert created and max(created) <= 3
    assert report.target.ledger.codes_created == sum(created)
    assert report.target.ledger.requests_sent == len(log)  # probes of the built-in checks included


def test_read_only_sends_no_generate_nor_redeem_request(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), "--read-only", "--operations", ",".join(BY_NAME))
    assert report.exit_code == 0, report.summary
    # Verify is the one POST that creates nothing.
    assert {(asked.method, asked.path) for asked, _answer in log if asked.method != "GET"} == {
        ("POST", VERIFY.path)
    }
    ledger = report.target.ledger
    assert ledger.batches_created == 0 and ledger.codes_redeemed == 0
    assert "SKIPPED  batch_size_10000_accepted: --read-only: this check creates batches" in report.summary
    for check in ("generate_codes_conforms", "redeem_code_conforms", "second_redemption_refused"):
        assert f"SKIPPED  {check}: --read-only" in report.summary
    # What creates nothing still runs: verify and stats, schema phase included.
    passed = {key for key, outcome in ledger.outcomes.items() if outcome.status == "passed"}
    assert {
        ("verify", "unknown_code_not_found"),
        ("verify", "response_schema_conformance"),
        ("stats", "response_schema_conformance"),
        ("stats", "stats_add_up"),
        ("stats", "total_batches_match_listing"),
    } <= passed


def test_operations_restrict_the_checks(check_in_process: Callable) -> None:
    report = check_in_process(create_app(), "--operations", "batches", "--read-only")
    assert report.exit_code == 0, report.summary
    assert {operation for operation, _check in report.target.ledger.outcomes} == {"batches"}
    assert "generate  POST" not in report.summary


@pytest.mark.parametrize(
    "arguments",
    [
        ["--slug", "summer-promo"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--operations", "generate,refund"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--max-batch-size", "0"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--base-url", "ftp://example.com"],
    ],
)
def test_bad_options_are_usage_errors(arguments: list[str]) -> None:
    report = evaluate(["--base-url", "http://127.0.0.1:9", *arguments], environ={})
    assert report.exit_code == 2
    assert "error" in report.summary


def test_redeem_is_checked_only_when_named() -> None:
    assert (
        resolve(REMOTE, {}).operations
        == DEFAULT_OPERATION_NAMES
        == ("generate", "batches", "verify", "stats")
    )
    named = resolve({**REMOTE, "operations": "stats,redeem"}, {})
    assert named.selects("redeem") and not named.selects("generate")


@pytest.mark.parametrize(
    ("method", "path", "redeem"),
    [
        ("POST", "/v1/campaigns/summer-promo/redeem", True),
        ("post", "/gamifyhost/v1/campaigns/summer-promo/redeem", True),
        ("GET", "/v1/campaigns/summer-promo/redeem", False),
        ("POST", "/v1/campaigns//redeem", False),
        ("POST", "/v1/campaigns/summer-promo/redeem/extra", False),
    ],
)
def test_redeem_requests_are_recognised(method: str, path: str, redeem: bool) -> None:
    assert REDEEM.matches(method, path) is redeem


def test_remote_targets_get_small_batches_and_few_examples() -> None:
    remote = resolve(REMOTE, {})
    assert remote.is_remote and remote.max_batch_size == 5 and remote.max_examples == 10
    local = resolve({**REMOTE, "base_url": "http://127.0.0.1:8000"}, {})
    assert not local.is_remote and local.max_batch_size == 100 and local.max_examples == 25


def test_remote_targets_are_not_shrunk_nor_probed_with_undeclared_methods() -> None:
    remote = schemathesis_config(resolve(REMOTE, {})).projects.get_default()
    assert remote.generation.no_shrink
    assert remote.phases.coverage.unexpected_methods == set()
    local = schemathesis_config(
        resolve({**REMOTE, "base_url": "http://localhost:8000"}, {})
    ).projects.get_default()
    assert not local.generation.no_shrink


def test_settings_fall_back_to_the_environment() -> None:
    settings = resolve(
        {},
        {
            "GAMIFYHOST_BASE_URL": "https://sandbox.example.com/",
            "GAMIFYHOST_API_SECRET": "sk_test_y",
            "GAMIFYHOST_SLUG": "summer-promo",
            "GAMIFYHOST_FOREIGN_SLUG": "winter-sale",
        },
    )
    assert (settings.base_url, settings.slug, settings.foreign_slug) == (
        "https://sandbox.example.com",
        "summer-promo",
        "winter-sale",
    )
    assert "sk_test_y" not in repr(settings)


@pytest.mark.parametrize(
    ("asked", "cap", "sent"),
    [
        (50000, 5, 5),
        (5.5, 5, 5),
        (4.5, 5, 4.5),
        (50000.0, 5, 5),
        ("50000", 5, "5"),
        ("+7", 5, "5"),
        (True, 5, True),
        (-3, 5, -3),
    ],
)
def test_capped_batch_sizes(asked: object, cap: int, sent: object) -> None:
    assert capped(asked, cap) == sent


def test_remote_profile_end_to_end() -> None:
    """127.0.0.2 is loopback but not 127.0.0.1: the suite treats it as the production it could be."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 is not a loopback address here")
    log: list[tuple[Asked, Answer]] = []
    with serve_in_thread(recording(create_app(), log), host="127.0.0.2") as base_url:
        report = evaluate(["--base-url", base_url, *SUITE_ARGUMENTS], environ={})
    assert report.exit_code == 0, report.summary
    assert "max batch size 5" in report.summary
    assert "remote: no shrinking, no undeclared methods" in report.summary
    assert {asked.method for asked, _answer in log} == {"GET", "POST"}
    assert max(created_batch_sizes(log)) <= 5
    assert report.target.ledger.requests_sent == len(log)
