"""Hostile input over real HTTP (uvicorn): the bytes a client library will not send, sent raw.

Every read is bounded (raw_http.TIMEOUT), so a hang fails instead of stalling the run. After
each request the mock shows the same state, its journal holds no 5xx, and nothing was logged
as an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from raw_http import Answer, chunked, exchange, request_bytes, send_and_leave

ACME_TEST = "sk_test_acme_mock_secret"
VERIFY = b"/v1/campaigns/codes/verify"
REDEEM = b"/v1/campaigns/summer-promo/redeem"
JSON = {"X-API-Secret": ACME_TEST, "Content-Type": "application/json"}
INVALID = "Invalid request body"


def post(target: bytes, body: bytes, **headers: bytes | str) -> bytes:
    return request_bytes("POST", target, {**JSON, **headers}, body)


def get(target: bytes, **headers: bytes | str) -> bytes:
    return request_bytes("GET", target, {"X-API-Secret": ACME_TEST, **headers})


def chunked_post(target: bytes, pieces: list[bytes]) -> bytes:
    head = request_bytes("POST", target, {**JSON, "Transfer-Encoding": "chunked"})
    return head + b"".join(chunked(iter(pieces)))


REACHING_THE_APP = [
    pytest.param(post(VERIFY, b'{"code": "SUMM-\xff\xfe"}'), 400, INVALID, id="invalid-utf8"),
    pytest.param(post(VERIFY, b'{"code": "\xed\xa0\x80"}'), 400, INVALID, id="raw-lone-surrogate"),
    pytest.param(post(VERIFY, b'{"code": "\\ud800"}'), 400, INVALID, id="escaped-lone-surrogate"),
    pytest.param(post(VERIFY, b"[" * 100_000 + b"]" * 100_000), 400, INVALID, id="100000-levels"),
    pytest.param(post(REDEEM, b'{"code": "SUMM-AX7K9M2P", "userId": NaN}'), 400, INVALID, id="NaN"),
    pytest.param(post(REDEEM, b'{"code": "SUMM-AX7K9M2P", "use'), 400, INVALID, id="truncated-json"),
    pytest.param(chunked_post(VERIFY, [b'{"code": ', b'"x"', b"}}"]), 400, INVALID, id="chunked-malformed"),
    pytest.param(
        post(VERIFY, b'{"code": "x"}', Prefer="code=" + "9" * 5000),
        400,
        "Invalid Prefer header: code must be an HTTP error status, 400 to 599",
        id="prefer-5000-digits",
    ),
    pytest.param(
        get(b"/v1/campaigns/codes/stats?slug=summer-promo", **{"X-API-Secret": b"sk_test_\xff\xfe"}),
        401,
        "Invalid API key",
        id="secret-not-ascii",
    ),
    pytest.param(
        get(b"/v1/campaigns/codes/stats?slug=%FF%ED%A0%80"), 404, "Campaign not found", id="slug-bytes"
    ),
    pytest.param(
        get(b"/v1/campaigns/codes/batches?slug=summer-promo&page=" + b"9" * 5000),
        400,
        INVALID,
        id="page-5000",
    ),
]
# HTTP uvicorn cannot parse never reaches the app: uvicorn answers 400 in plain text (threat model).
REFUSED_BY_UVICORN = [
    pytest.param(get(b"/v1/campaigns/codes/stats?slug=\xff"), id="non-ascii-target"),
    pytest.param(post(VERIFY, b'{"code": "x"}', **{"Content-Length": "-1"}), id="negative-length"),
    pytest.param(post(VERIFY, b'{"code": "x"}', **{"Content-Length": "9" * 30}), id="30-digit-length"),
    pytest.param(post(VERIFY, b'{"code": "x"}', **{"Content-Length": "12, 13"}), id="two-lengths"),
]


@pytest.fixture
def watch(live_server: str, live_api: Any, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Checks, after the test, that state and journal are as before and no error was logged."""
    before = observed(live_server, live_api)
    with caplog.at_level(logging.WARNING):
        yield
    assert observed(live_server, live_api) == before
    journal = httpx.get(f"{live_server}/__mock/requests", timeout=5).json()["data"]["requests"]
    assert [entry for entry in journal if entry["status"] >= 500] == []
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


def observed(base_url: str, api: Any) -> tuple[Any, ...]:
    codes = httpx.get(f"{base_url}/__mock/health", timeout=5).json()["data"]["codes"]
    return codes, api.counts(), api.all_batches()


def assert_envelope(answer: Answer | None, status: int, message: str) -> None:
    assert answer is not None, "the mock closed the connection without an answer"
    assert answer.headers["content-type"] == "application/json"
    assert (answer.status, answer.json()) == (status, {"status": "error", "code": status, "message": message})


@pytest.mark.parametrize(("raw", "status", "message"), REACHING_THE_APP)
@pytest.mark.usefixtures("watch")
def test_hostile_bytes_over_http_get_a_4xx_envelope(live_server: str, raw: bytes, status: int, message: str):
    assert_envelope(exchange(live_server, raw), status, message)


@pytest.mark.parametrize("raw", REFUSED_BY_UVICORN)
@pytest.mark.usefixtures("watch")
def test_http_that_uvicorn_cannot_parse_gets_a_400_and_never_reaches_the_mock(live_server: str, raw: bytes):
    journal_before = last_journal_id(live_server)
    answer = exchange(live_server, raw)
    assert answer is not None and answer.status == 400
    assert answer.headers.get("connection") == "close"
    assert last_journal_id(live_server) == journal_before


def last_journal_id(base_url: str) -> int | None:
    journal = httpx.get(f"{base_url}/__mock/requests", timeout=5).json()["data"]["requests"]
    return journal[-1]["id"] if journal else None


def truncated(body: bytes = b'{"code": "SUMM-AX7K9M2P", "userId": "u"}') -> bytes:
    """A redeem that promises 100 bytes more than it sends."""
    return post(REDEEM, body, **{"Content-Length": str(len(body) + 100)})


def journalled_status(base_url: str, after: int | None) -> int:
    """The status the journal gives the first request after entry `after` (waits for it, bounded)."""
    deadline = time.monotonic() + 5
    while True:
        journal = httpx.get(f"{base_url}/__mock/requests", timeout=5).json()["data"]["requests"]
        new = [entry for entry in journal if after is None or entry["id"] > after]
        if new:
            return int(new[0]["status"])
        assert time.monotonic() < deadline, "the abandoned request never finished"
        time.sleep(0.05)


@pytest.mark.usefixtures("watch")
def test_a_body_cut_short_by_a_closed_connection_is_a_client_error_not_a_crash(live_server: str) -> None:
    after = last_journal_id(live_server)
    send_and_leave(live_server, truncated())
    assert journalled_status(live_server, after) == 400


@pytest.mark.usefixtures("watch")
def test_a_chunked_body_broken_midway_is_a_400_for_client_and_journal(live_server: str) -> None:
    after = last_journal_id(live_server)
    head = request_bytes("POST", VERIFY, {**JSON, "Transfer-Encoding": "chunked"})
    answer = exchange(live_server, head + b"2\r\n{}\r\nzz\r\n")
    assert answer is not None and answer.status == 400
    assert journalled_status(live_server, after) == 400


@pytest.mark.usefixtures("watch")
def test_a_body_cut_short_by_a_half_closed_connection_ends_without_a_hang(live_server: str) -> None:
    after = last_journal_id(live_server)
    started = time.monotonic()
    assert exchange(live_server, truncated(), half_close=True) is None  # the client gets EOF, not a wait
    assert time.monotonic() - started < 5
    assert journalled_status(live_server, after) == 400


def test_the_mock_answers_normally_after_a_run_of_hostile_requests(live_server: str, live_api: Any):
    for param in [*REACHING_THE_APP, *REFUSED_BY_UVICORN]:
        exchange(live_server, param.values[0])
    send_and_leave(live_server, truncated())
    code = live_api.generated(body={"slug": "summer-promo", "batchSize": 1, "pointsValue": 3})["codes"][0]
    assert live_api.verdict(code)["valid"] is True
