"""The suite is safe to point at production: no request may mint more codes than allowed, read-only
creates nothing, the secret that must only read never writes, and settings say what they mean."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from asgi_rewrite import Answer, Asked, recording
from conformance_kit import ALL_OPERATIONS, SUITE_ARGUMENTS

from conformance import evaluate
from conformance.judge.operations import DEFAULT_OPERATION_NAMES, GENERATE, REDEEM, VERIFY
from conformance.sources.active.fuzzing import capped, schemathesis_config
from conformance.sources.active.target import requested_batch_size
from conformance.sources.settings import resolve
from mockserver import create_app
from mockserver.kit.serving import serve_in_thread

REMOTE = {"base_url": "https://api.gamifyhost.com", "api_secret": "sk_live_x", "slug": "summer-promo"}
LIVE_SECRET = "sk_live_acme_mock_secret"


def asked_sizes(log: list[tuple[Asked, Answer]]) -> list[float]:
    """The most codes each generate request could have minted, however leniently read."""
    return [
        requested_batch_size(asked.body)
        for asked, _answer in log
        if GENERATE.matches(asked.method, asked.path)
    ]


def created(log: list[tuple[Asked, Answer]]) -> list[int]:
    return [
        answer.payload["data"]["count"]
        for asked, answer in log
        if GENERATE.matches(asked.method, asked.path) and answer.status == 200
    ]


def test_no_request_asks_for_more_than_the_cap_but_the_local_boundary_check(
    check_in_process: Callable,
) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), *ALL_OPERATIONS, "--max-batch-size", "3")
    assert report.exit_code == 0, report.summary
    # In process, the 10001 boundary check is allowed: a conforming target refuses it.
    assert {size for size in asked_sizes(log) if size > 3} == {10001}
    assert created(log) and max(created(log)) <= 3
    assert report.session.traffic.codes_created == sum(created(log))
    assert report.session.traffic.requests_sent == len(log)  # every request goes through the run's session


def test_a_remote_target_is_never_asked_for_more_than_max_batch_size() -> None:
    """127.0.0.2 is loopback but not 127.0.0.1: the suite takes it for the production it could be."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.2", 0))
        except OSError:
            pytest.fail("127.0.0.2 is not a loopback address here")
    log: list[tuple[Asked, Answer]] = []
    with serve_in_thread(recording(create_app(), log), host="127.0.0.2") as base_url:
        report = evaluate(["--base-url", base_url, *SUITE_ARGUMENTS, *ALL_OPERATIONS], environ={})
    assert report.exit_code == 0, report.summary
    assert max(asked_sizes(log)) <= 5  # 10001 included: held back
    assert max(created(log)) <= 5
    assert "remote: every request may reach production; at most 5 codes a batch" in report.summary
    assert "SKIPPED  probe batch_size_10001: held back: batchSize 10,001" in report.summary
    assert "Held back, to keep the target safe (not sent):\n  - batchSize 10,001" in report.summary
    assert "not judged: generate.batch-size-range" not in report.summary  # batchSize 0 still shows it
    assert {asked.method for asked, _answer in log} == {"GET", "POST"}  # no undeclared method probed
    assert report.session.traffic.requests_sent == len(log)


def test_max_batch_size_lets_the_boundary_through_to_a_remote_target() -> None:
    with serve_in_thread(create_app(), host="127.0.0.2") as base_url:
        report = evaluate(
            [
                "--base-url",
                base_url,
                *SUITE_ARGUMENTS,
                "--max-batch-size",
                "10001",
                "--operations",
                "generate",
            ],
            environ={},
        )
    assert report.exit_code == 0, report.summary
    assert "Held back" not in report.summary
    probes = report.session.probes
    assert probes[("generate", "batch_size_10001")].ran and probes[("generate", "batch_size_10000")].ran
    outcomes = report.judge.books.outcomes
    assert outcomes[("generate", "batch_size_out_of_range_refused")].judged >= 2  # 0 and 10,001


def test_read_only_sends_no_generate_nor_redeem_request(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), "--read-only", *ALL_OPERATIONS)
    assert report.exit_code == 0, report.summary
    # Verify is the one POST that creates nothing.
    assert {(asked.method, asked.path) for asked, _answer in log if asked.method != "GET"} == {
        ("POST", VERIFY.path)
    }
    traffic = report.session.traffic
    assert traffic.batches_created == 0 and traffic.codes_redeemed == 0
    assert "SKIPPED  probe batch_size_10000: --read-only: this probe creates" in report.summary
    assert "(needs a run without --read-only)" in report.summary
    judged = {
        key for key, outcome in report.judge.books.outcomes.items() if outcome.judged and not outcome.failed
    }
    assert {
        ("verify", "made_up_code_not_found"),
        ("verify", "response_schema_conformance"),
        ("stats", "response_schema_conformance"),
        ("stats", "stats_add_up"),
        ("stats", "counts_follow_what_happened"),
    } <= judged


def test_the_other_environments_secret_only_reads(check_in_process: Callable) -> None:
    log: list[tuple[Asked, Answer]] = []
    report = check_in_process(recording(create_app(), log), *ALL_OPERATIONS)
    assert report.exit_code == 0, report.summary
    writes = [
        asked
        for asked, _answer in log
        if asked.headers.get("x-api-secret") == LIVE_SECRET
        and (GENERATE.matches(asked.method, asked.path) or REDEEM.matches(asked.method, asked.path))
    ]
    assert writes == []
    assert any(asked.headers.get("x-api-secret") == LIVE_SECRET for asked, _answer in log)


def test_operations_restrict_the_checks(check_in_process: Callable) -> None:
    report = check_in_process(create_app(), "--operations", "batches", "--read-only")
    assert report.exit_code == 0, report.summary
    assert {operation for operation, _check in report.judge.books.outcomes} == {"batches"}
    assert "generate  POST" not in report.summary
    assert "not judged: generate.count (needs --operations with generate)" in report.summary


@pytest.mark.parametrize(
    "arguments",
    [
        ["--slug", "summer-promo"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--operations", "generate,refund"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--max-batch-size", "0"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--workers", "0"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--base-url", "ftp://example.com"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--other-env-secret", "sk_test_y"],
        ["--api-secret", "sk_test_x", "--slug", "s", "--revoked-secret", "sk_test_x"],
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


def test_no_target_is_probed_with_undeclared_methods() -> None:
    for base_url in (REMOTE["base_url"], "http://localhost:8000"):
        config = schemathesis_config(resolve({**REMOTE, "base_url": base_url}, {})).projects.get_default()
        assert config.phases.coverage.unexpected_methods == set()


def test_settings_fall_back_to_the_environment() -> None:
    settings = resolve(
        {},
        {
            "GAMIFYHOST_BASE_URL": "https://sandbox.example.com/",
            "GAMIFYHOST_API_SECRET": "sk_test_y",
            "GAMIFYHOST_SLUG": "summer-promo",
            "GAMIFYHOST_FOREIGN_SLUG": "winter-sale",
            "GAMIFYHOST_FOREIGN_SECRET": "sk_test_z",
            "GAMIFYHOST_OTHER_ENV_SECRET": "sk_live_y",
            "GAMIFYHOST_REVOKED_SECRET": "sk_test_r",
            "GAMIFYHOST_INACTIVE_SECRET": "sk_test_i",
            "GAMIFYHOST_ENDED_SLUG": "autumn",
            "GAMIFYHOST_PAUSED_SLUG": "spring",
        },
    )
    assert (settings.base_url, settings.slug, settings.foreign_slug) == (
        "https://sandbox.example.com",
        "summer-promo",
        "winter-sale",
    )
    assert (settings.ended_slug, settings.paused_slug) == ("autumn", "spring")
    assert settings.secrets() == {
        "GAMIFYHOST_API_SECRET": "sk_test_y",
        "GAMIFYHOST_FOREIGN_SECRET": "sk_test_z",
        "GAMIFYHOST_OTHER_ENV_SECRET": "sk_live_y",
        "GAMIFYHOST_REVOKED_SECRET": "sk_test_r",
        "GAMIFYHOST_INACTIVE_SECRET": "sk_test_i",
    }
    assert not any(secret in repr(settings) for secret in settings.secrets().values())


@pytest.mark.parametrize(
    ("asked", "cap", "sent"),
    [
        (50000, 5, 5),
        (5.5, 5, 5),
        (4.5, 5, 4.5),
        (50000.0, 5, 5),
        ("50000", 5, "5"),
        ("+7", 5, "5"),
        ("1e5", 5, "5"),
        ("0x10", 5, "5"),
        (" 99 ", 5, "5"),
        (True, 5, True),
        (-3, 5, -3),
        ("abc", 5, "abc"),
    ],
)
def test_capped_batch_sizes(asked: object, cap: int, sent: object) -> None:
    assert capped(asked, cap) == sent


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        (b'{"batchSize": 10001}', 10001),
        (b'{"batchSize": "1e4"}', 10000),
        (b"batchSize=20000&slug=x", 20000),
        (b'{"slug": "x"}', 0),
        (b"", 0),
    ],
)
def test_the_codes_a_request_could_mint_are_read_leniently(body: bytes, codes: int) -> None:
    assert requested_batch_size(body) == codes
