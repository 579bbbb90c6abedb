"""D10: the admin API under /__mock/: health, reset, the request journal, the clock, revoking."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from helpers_kit import (
    ACME_TEST,
    BATCHES,
    FIXTURE_BATCH,
    FIXTURE_CODE,
    FROZEN,
    GENERATE,
    VERIFY,
    admin_data,
    assert_error,
    auth,
    batches,
    generate,
    plain_client,
    redeem,
    stats,
    verify,
)
from starlette.testclient import TestClient

import mockserver
from mockserver import create_app
from mockserver.contract.timestamps import parse_timestamp
from mockserver.http.journal import Journal, mask_secret
from mockserver.stores.postgresql import redacted

pytestmark = pytest.mark.every_store

ADMIN_ROUTES = [
    ("GET", "/__mock/health"),
    ("POST", "/__mock/reset"),
    ("GET", "/__mock/requests"),
    ("DELETE", "/__mock/requests"),
    ("GET", "/__mock/clock"),
    ("POST", "/__mock/clock"),
    ("POST", "/__mock/revoke"),
    ("GET", "/__mock/partners"),
    ("POST", "/__mock/partners"),
    ("PATCH", "/__mock/campaigns/c1d2e3f4-a5b6-7890-1234-567890abcdef"),
    ("POST", "/__mock/keys/revoke"),
]


@pytest.fixture
def mock(store_url: str) -> Iterator[TestClient]:
    """A mock whose clock stands still at FROZEN, on each store."""
    with plain_client(create_app(freeze_time=FROZEN, store=store_url)) as client:
        yield client


def test_health_answers_without_a_secret(mock: TestClient, store_url: str) -> None:
    data = admin_data(mock.get("/__mock/health"))
    assert data == {
        "healthy": True,
        "now": FROZEN,
        "codes": 190,  # the fixtures' codes
        "store": redacted(store_url),  # as given, without a password
        "process": os.getpid(),
    }


def test_prefer_does_not_apply_to_the_admin_api(mock: TestClient) -> None:
    assert admin_data(mock.get("/__mock/health", headers={"Prefer": "code=500"}))["healthy"] is True


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_no_admin_turns_every_admin_route_into_a_404_envelope(method: str, path: str) -> None:
    client = plain_client(create_app(admin=False))
    assert_error(client.request(method, path, json={}), 404)
    assert client.get(BATCHES, params={"slug": "summer-promo"}, headers=auth()).status_code == 200


def test_admin_routes_answer_a_wrong_method_with_a_405_envelope(mock: TestClient) -> None:
    response = mock.put("/__mock/clock", json={})
    assert_error(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert_error(mock.get("/__mock/reset"), 405)


def test_reset_brings_back_the_fixtures_batches_codes_and_clock(mock: TestClient) -> None:
    generated = generate(mock)
    admin_data(mock.post("/__mock/revoke", json={"batchId": FIXTURE_BATCH}))
    admin_data(mock.post("/__mock/clock", json={"advanceSeconds": 3600}))
    assert admin_data(mock.post("/__mock/reset")) == {"reset": True}
    assert [batch["id"] for batch in batches(mock)] == [FIXTURE_BATCH, "b2c3d4e5-f6a7-8901-bcde-f12345678901"]
    assert verify(mock, generated["codes"][0])["message"] == "Code not found"
    assert verify(mock, FIXTURE_CODE)["status"] == "ACTIVE"
    assert admin_data(mock.get("/__mock/clock"))["now"] == FROZEN


def test_reset_with_a_seed_draws_the_same_codes_again() -> None:
    client = plain_client(create_app(seed=11))
    first = generate(client)
    admin_data(client.post("/__mock/reset"))
    assert generate(client) == first


def test_journal_lists_method_path_status_and_time_of_gamifyhost_requests(mock: TestClient) -> None:
    generate(mock, count=2)
    mock.get(BATCHES, params={"slug": "nope"}, headers=auth())
    mock.get("/v1/unknown")
    mock.get("/__mock/health")  # the mock's own surface is not journalled
    entries = admin_data(mock.get("/__mock/requests"))["requests"]
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in entries] == [
        ("POST", GENERATE, "", 200),
        ("GET", BATCHES, "slug=nope", 404),
        ("GET", "/v1/unknown", "", 404),
    ]
    assert [e["id"] for e in entries] == [1, 2, 3]
    assert {e["time"] for e in entries} == {FROZEN}
    assert all(e["durationMs"] >= 0 for e in entries)


def test_journal_masks_secrets(mock: TestClient) -> None:
    generate(mock)
    mock.get(BATCHES, params={"slug": "summer-promo"})
    response = mock.get("/__mock/requests")
    assert [e["apiSecret"] for e in admin_data(response)["requests"]] == ["sk_test_****cret", None]
    assert ACME_TEST not in response.text


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("sk_test_acme_mock_secret", "sk_test_****cret"),
        ("sk_live_0123456789abcdef", "sk_live_****cdef"),
        ("sk_test_short", "sk_test_****"),
        ("pk_test_acme_public_key", "pk_test_****_key"),
        ("whatever-this-is", "****s-is"),
    ],
)
def test_mask_secret_keeps_the_prefix_and_at_most_the_last_four_characters(secret: str, masked: str) -> None:
    assert mask_secret(secret) == masked


def test_journal_keeps_only_the_latest_entries() -> None:
    journal = Journal(now=lambda: datetime(2025, 1, 1, tzinfo=UTC).timestamp(), size=3)
    scope = {"headers": [], "method": "GET", "path": "/x", "query_string": b""}
    for _ in range(5):
        journal.record(scope, 200, 1.0)
    assert [entry.id for entry in journal.entries()] == [3, 4, 5]


async def get_many(app: Any, path: str, times: int) -> None:
    """GET `path` straight through the ASGI interface: a thousand requests in a blink."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        pass

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    for _ in range(times):
        await app(dict(scope), receive, send)


def test_journal_holds_the_last_1000_requests() -> None:
    app = create_app()
    asyncio.run(get_many(app, "/v1/nowhere", 1003))
    entries = admin_data(plain_client(app).get("/__mock/requests"))["requests"]
    assert len(entries) == 1000
    assert (entries[0]["id"], entries[-1]["id"]) == (4, 1003)


def test_deleting_the_journal_empties_it_and_reset_does_too(mock: TestClient) -> None:
    generate(mock)
    assert admin_data(mock.delete("/__mock/requests")) == {"requests": []}
    assert admin_data(mock.get("/__mock/requests"))["requests"] == []
    generate(mock)
    admin_data(mock.post("/__mock/reset"))
    assert admin_data(mock.get("/__mock/requests"))["requests"] == []


def test_clock_can_be_set_and_batches_take_its_time(mock: TestClient) -> None:
    data = admin_data(mock.post("/__mock/clock", json={"now": "2031-02-03T04:05:06+01:00"}))
    assert data == {"now": "2031-02-03T03:05:06Z", "frozen": True, "offsetSeconds": data["offsetSeconds"]}
    assert generate(mock)["batch"]["createdAt"] == "2031-02-03T03:05:06Z"
    assert admin_data(mock.get("/__mock/clock"))["now"] == "2031-02-03T03:05:06Z"


def test_advancing_the_clock_expires_codes_in_verify_stats_and_redeem(mock: TestClient) -> None:
    code = generate(mock, count=1, expiresAt="2025-06-02T12:00:00Z")["codes"][0]
    assert verify(mock, code)["valid"] is True
    data = admin_data(mock.post("/__mock/clock", json={"advanceSeconds": 86400}))
    assert data["now"] == "2025-06-02T12:00:00Z"
    assert (verify(mock, code)["status"], verify(mock, code)["message"]) == (
        "EXPIRED",
        "Code status is EXPIRED",
    )
    assert stats(mock)["expiredCodes"] == 1  # the docs' batch expires on 2025-12-31
    assert_error(redeem(mock, code), 409, "Code status is EXPIRED")
    admin_data(mock.post("/__mock/clock", json={"advanceSeconds": -1}))
    assert verify(mock, code)["valid"] is True


def test_a_running_clock_goes_on_from_the_instant_it_is_set_to() -> None:
    client = plain_client(create_app())
    data = admin_data(client.post("/__mock/clock", json={"now": "2040-01-01T00:00:00Z"}))
    assert data["frozen"] is False
    now = parse_timestamp(admin_data(client.get("/__mock/clock"))["now"])
    assert timedelta(0) <= now - datetime(2040, 1, 1, tzinfo=UTC) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "now",
        {},
        {"now": "tomorrow"},
        {"now": 1700000000},
        {"now": "2025-01-01T00:00:00Z", "advanceSeconds": 1},
        {"advanceSeconds": "60"},
        {"advanceSeconds": True},
        {"advanceSeconds": None},
        {"advanceSeconds": 1e300},
        {"advanceSeconds": 10**40},
        {"now": "9999-12-31T23:59:59Z"},
        {"now": "0001-01-01T00:00:00Z"},
        {"advanceSeconds": 9000 * 365 * 86400},
        {"nowish": "2025-01-01T00:00:00Z"},
    ],
)
def test_bad_clock_input_is_a_400_envelope_and_leaves_the_clock(mock: TestClient, body: Any) -> None:
    assert_error(mock.post("/__mock/clock", json=body), 400)
    assert admin_data(mock.get("/__mock/clock"))["now"] == FROZEN


def test_clock_input_must_be_json(mock: TestClient) -> None:
    assert_error(mock.post("/__mock/clock", content=b"advance=1"), 415)
    assert_error(mock.post("/__mock/clock", content=b"{", headers={"Content-Type": "application/json"}), 400)


def test_revoking_a_code_shows_in_verify_stats_and_redeem(mock: TestClient) -> None:
    codes = generate(mock, count=2)["codes"]
    before = stats(mock)
    assert admin_data(mock.post("/__mock/revoke", json={"code": codes[0].lower()})) == {"revoked": "code"}
    assert verify(mock, codes[0])["status"] == "REVOKED"
    assert verify(mock, codes[1])["status"] == "ACTIVE"
    after = stats(mock)
    assert after["revokedCodes"] == before["revokedCodes"] + 1
    assert after["activeCodes"] == before["activeCodes"] - 1
    assert_error(redeem(mock, codes[0]), 409, "Code status is REVOKED")


def test_revoking_a_batch_revokes_every_code_of_it(mock: TestClient) -> None:
    before = stats(mock)
    data = admin_data(mock.post("/__mock/revoke", json={"batchId": FIXTURE_BATCH}))
    assert data == {"revoked": "batch", "batchId": FIXTURE_BATCH}
    assert verify(mock, FIXTURE_CODE)["status"] == "REVOKED"
    counts = stats(mock)
    assert (counts["revokedCodes"], counts["activeCodes"], counts["totalCodes"]) == (
        before["revokedCodes"] + 100,
        before["activeCodes"] - 100,
        before["totalCodes"],
    )
    assert_error(redeem(mock, FIXTURE_CODE), 409, "Code status is REVOKED")


def test_revoking_a_redeemed_code_moves_it_from_redeemed_to_revoked(mock: TestClient) -> None:
    before = stats(mock)
    assert redeem(mock, FIXTURE_CODE).status_code == 200
    assert stats(mock)["redeemedCodes"] == before["redeemedCodes"] + 1
    admin_data(mock.post("/__mock/revoke", json={"code": FIXTURE_CODE}))
    counts = stats(mock)
    assert counts["redeemedCodes"] == before["redeemedCodes"]
    assert counts["revokedCodes"] == before["revokedCodes"] + 1


@pytest.mark.parametrize(
    ("body", "message"),
    [({"code": "SUMM-NOTACODE"}, "Code not found"), ({"batchId": "no-such-batch"}, "Batch not found")],
)
def test_revoking_something_unknown_is_a_404_envelope(mock: TestClient, body: Any, message: str) -> None:
    assert_error(mock.post("/__mock/revoke", json=body), 404, message)


@pytest.mark.parametrize(
    "body",
    [{}, [], {"code": 12}, {"batchId": None}, {"code": FIXTURE_CODE, "batchId": FIXTURE_BATCH}, {"id": "x"}],
)
def test_bad_revoke_input_is_a_400_envelope(mock: TestClient, body: Any) -> None:
    assert_error(
        mock.post("/__mock/revoke", json=body), 400, 'Send {"code": "<code>"} or {"batchId": "<batch id>"}'
    )
    assert verify(mock, FIXTURE_CODE)["status"] == "ACTIVE"


def test_admin_client_drives_a_mock_over_real_http() -> None:
    with mockserver.running(freeze_time=FROZEN) as mock, httpx.Client(base_url=mock.base_url) as http:
        code = generate(http, count=1)["codes"][0]
        assert mock.health()["healthy"] is True
        assert mock.set_clock(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
        assert mock.advance_clock(90) == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
        assert mock.clock() == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
        mock.revoke_code(code)
        mock.revoke_batch("b2c3d4e5-f6a7-8901-bcde-f12345678901")
        assert (stats(http)["revokedCodes"], verify(http, code)["status"]) == (51, "REVOKED")  # 50 + 1
        assert [entry["path"] for entry in mock.requests()] == [GENERATE, "/v1/campaigns/codes/stats", VERIFY]
        with pytest.raises(mockserver.AdminError) as raised:
            mock.revoke_code("SUMM-NOTACODE")
        assert (raised.value.status, raised.value.message) == (404, "Code not found")
        mock.clear_requests()
        assert mock.requests() == []
        mock.reset()
        # Back to the fixtures, whose one revoked code is all that is revoked.
        assert (mock.clock(), stats(http)["revokedCodes"]) == (parse_timestamp(FROZEN), 1)
