"""D10: `Prefer: code=NNN` / `delay=MS` (as in Stoplight Prism), `--latency-ms` and `--error-rate`."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from helpers_kit import BATCHES, GENERATE, STATS, admin_data, assert_error, auth, batches, plain_client
from starlette.testclient import TestClient

import mockserver
from mockserver import create_app
from mockserver.domain.errors import BadRequest
from mockserver.http.faults import INJECTED_FAILURE, Preference, parse_prefer
from mockserver.kit.cli import parser

BODY = {"slug": "summer-promo", "batchSize": 5, "pointsValue": 10}


@pytest.fixture
def mock() -> TestClient:
    return plain_client(create_app())


def stats_status(client: Any, **headers: str) -> int:
    return int(client.get(STATS, params={"slug": "summer-promo"}, headers=auth(**headers)).status_code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (400, "Bad Request"),
        (401, "Unauthorized"),
        (404, "Not Found"),
        (409, "Conflict"),
        (429, "Too Many Requests"),
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (499, "Client error"),
        (599, "Server error"),
    ],
)
def test_prefer_code_answers_that_status_with_its_reason_phrase(
    mock: TestClient, code: int, message: str
) -> None:
    response = mock.post(GENERATE, json=BODY, headers=auth(Prefer=f"code={code}"))
    assert_error(response, code, message)


def test_prefer_code_does_not_touch_state(mock: TestClient) -> None:
    mock.post(GENERATE, json=BODY, headers=auth(Prefer="code=500"))
    assert len(batches(mock)) == 2


def test_prefer_code_comes_before_authentication(mock: TestClient) -> None:
    assert_error(mock.get(BATCHES, params={"slug": "summer-promo"}, headers={"Prefer": "code=503"}), 503)


@pytest.mark.parametrize(
    "prefer",
    [
        "code=502",
        'code="502"',
        "return=minimal, code=502",
        "respond-async, CODE = 502 ; lenient",
        "wait=5,code=502",
    ],
)
def test_prefer_code_is_read_among_other_preferences(mock: TestClient, prefer: str) -> None:
    assert stats_status(mock, Prefer=prefer) == 502


def test_prefer_headers_may_come_apart(mock: TestClient) -> None:
    response = mock.get(
        STATS, params={"slug": "summer-promo"}, headers=[("Prefer", "delay=1"), ("Prefer", "code=504")]
    )
    assert response.status_code == 504


@pytest.mark.parametrize("prefer", ["", "return=representation", "respond-async", "example=docs"])
def test_preferences_the_mock_does_not_know_are_ignored(mock: TestClient, prefer: str) -> None:
    assert stats_status(mock, **auth(), Prefer=prefer) == 200


@pytest.mark.parametrize(
    "prefer",
    ["code=200", "code=302", "code=600", "code=abc", "code=", "code=4O4", "code=-500",
     "delay=-1", "delay=30001", "delay=1.5", "delay=soon", "delay=", "delay=\u0661"],
)  # fmt: skip
def test_invalid_prefer_values_are_a_400_envelope(mock: TestClient, prefer: str) -> None:
    response = mock.post(GENERATE, json=BODY, headers={**auth(), "Prefer": prefer.encode()})
    assert_error(response, 400)
    assert response.json()["message"].startswith("Invalid Prefer header: ")
    assert len(batches(mock)) == 2


def test_parse_prefer_reads_code_and_delay() -> None:
    assert parse_prefer(["delay=250; x=1, code=418"]) == Preference(code=418, delay_ms=250)
    assert parse_prefer([]) == Preference()
    with pytest.raises(BadRequest, match="delay must be 0 to 30000 milliseconds"):
        parse_prefer(["delay=30001"])
    with pytest.raises(BadRequest, match="code must be an HTTP error status, 400 to 599"):
        parse_prefer(["code=\uff15\uff10\uff10"])  # digits, but not ASCII ones


def test_prefer_delay_holds_the_answer_back_over_real_http() -> None:
    with mockserver.running() as mock, httpx.Client(base_url=mock.base_url) as http:
        started = time.perf_counter()
        response = http.get(STATS, params={"slug": "summer-promo"}, headers=auth(Prefer="delay=300"))
        assert response.status_code == 200
        assert time.perf_counter() - started >= 0.3
        started = time.perf_counter()
        assert (
            http.get(STATS, params={"slug": "x"}, headers=auth(Prefer="delay=200, code=503")).status_code
            == 503
        )
        assert time.perf_counter() - started >= 0.2


def test_latency_is_added_to_gamifyhost_requests_only() -> None:
    client = plain_client(create_app(latency_ms=250))
    started = time.perf_counter()
    assert stats_status(client) == 200
    assert time.perf_counter() - started >= 0.25
    started = time.perf_counter()
    admin_data(client.get("/__mock/health"))
    assert time.perf_counter() - started < 0.25


def test_error_rate_1_fails_every_gamifyhost_request_but_not_the_admin_api() -> None:
    client = plain_client(create_app(error_rate=1.0))
    for _ in range(5):
        response = client.post(GENERATE, json=BODY, headers=auth())
        assert_error(response, 503, INJECTED_FAILURE)
    assert INJECTED_FAILURE == "Service unavailable (injected by --error-rate)"
    assert admin_data(client.get("/__mock/health"))["codes"] == 190  # the fixtures' codes only
    assert [entry["status"] for entry in admin_data(client.get("/__mock/requests"))["requests"]] == [503] * 5


def test_error_rate_0_never_fails() -> None:
    client = plain_client(create_app(error_rate=0.0, seed=1))
    assert {stats_status(client) for _ in range(50)} == {200}


def statuses(app: Any, count: int = 40) -> list[int]:
    client = plain_client(app)
    return [stats_status(client) for _ in range(count)]


def test_a_seeded_error_rate_fails_the_same_requests_every_run() -> None:
    first = statuses(create_app(seed=42, error_rate=0.5))
    assert first == statuses(create_app(seed=42, error_rate=0.5))
    assert set(first) == {200, 503}
    assert first != statuses(create_app(seed=43, error_rate=0.5))


def test_reset_starts_the_failure_draws_over() -> None:
    app = create_app(seed=5, error_rate=0.5)
    first = statuses(app, 20)
    admin_data(plain_client(app).post("/__mock/reset"))
    assert statuses(app, 20) == first


def test_injected_failures_do_not_change_the_codes_drawn() -> None:
    chaotic = plain_client(create_app(seed=9, error_rate=0.7))
    calm = plain_client(create_app(seed=9))
    responses = (chaotic.post(GENERATE, json=BODY, headers=auth()) for _ in range(50))
    first_success = next(response for response in responses if response.status_code == 200)
    assert first_success.content == calm.post(GENERATE, json=BODY, headers=auth()).content


@pytest.mark.parametrize(("latency_ms", "error_rate"), [(-1, 0.0), (30_001, 0.0), (0, -0.1), (0, 1.01)])
def test_create_app_refuses_faults_out_of_range(latency_ms: int, error_rate: float) -> None:
    with pytest.raises(ValueError):
        create_app(latency_ms=latency_ms, error_rate=error_rate)


@pytest.mark.parametrize(
    "argv",
    [["--error-rate", "1.5"], ["--error-rate", "nan"], ["--error-rate", "x"], ["--latency-ms", "-1"],
     ["--latency-ms", "30001"], ["--latency-ms", "2.5"], ["--seed", "one"], ["--freeze-time", "noon"]],
)  # fmt: skip
def test_cli_refuses_bad_fault_and_clock_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(argv)
    assert exited.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_cli_reads_fault_options() -> None:
    args = parser().parse_args(["--latency-ms", "30000", "--error-rate", "0.25", "--seed", "3"])
    assert (args.latency_ms, args.error_rate, args.seed) == (30000, 0.25, 3)
