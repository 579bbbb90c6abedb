"""POST /v1/campaigns/codes/generate: D4's validation table, what is accepted, and the success body."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.every_store

DOCS = {
    "slug": "summer-promo",
    "batchSize": 100,
    "pointsValue": 500,
    "label": "In-store promo cards",
    "expiresAt": "2025-12-31T23:59:59Z",
}
SUMMER_PROMO_ID = "c1d2e3f4-a5b6-7890-1234-567890abcdef"
INVALID = "Invalid request body"
BATCH_SIZE = "batchSize must be between 1 and 10000"
POINTS = "pointsValue must be positive"
SUMM_CODE = re.compile(r"^SUMM-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")


@pytest.fixture
def api(api_both_ways: Any) -> Any:
    """Every test here runs in process and over real HTTP against a fresh mock."""
    return api_both_ways


def body(*omit: str, **changes: Any) -> dict[str, Any]:
    return {key: value for key, value in {**DOCS, **changes}.items() if key not in omit}


D4_ROWS = [
    # The body is not a JSON object.
    pytest.param([], 400, INVALID, id="body-list"),
    pytest.param([DOCS], 400, INVALID, id="body-list-of-object"),
    pytest.param("summer-promo", 400, INVALID, id="body-string"),
    pytest.param(None, 400, INVALID, id="body-null"),
    pytest.param(42, 400, INVALID, id="body-number"),
    # slug
    pytest.param(body("slug"), 400, INVALID, id="slug-missing"),
    pytest.param(body(slug=""), 400, INVALID, id="slug-empty"),
    pytest.param(body(slug=5), 400, INVALID, id="slug-number"),
    pytest.param(body(slug=None), 400, INVALID, id="slug-null"),
    pytest.param(body(slug=["summer-promo"]), 400, INVALID, id="slug-list"),
    # batchSize
    pytest.param(body("batchSize"), 400, BATCH_SIZE, id="batchSize-missing"),
    pytest.param(body(batchSize=0), 400, BATCH_SIZE, id="batchSize-0"),
    pytest.param(body(batchSize=10001), 400, BATCH_SIZE, id="batchSize-10001"),
    pytest.param(body(batchSize=-1), 400, BATCH_SIZE, id="batchSize-negative"),
    pytest.param(body(batchSize=True), 400, BATCH_SIZE, id="batchSize-true"),
    pytest.param(body(batchSize=2.5), 400, BATCH_SIZE, id="batchSize-2.5"),
    pytest.param(body(batchSize="10"), 400, BATCH_SIZE, id="batchSize-string"),
    pytest.param(body(batchSize=None), 400, BATCH_SIZE, id="batchSize-null"),
    # pointsValue
    pytest.param(body("pointsValue"), 400, POINTS, id="pointsValue-missing"),
    pytest.param(body(pointsValue=0), 400, POINTS, id="pointsValue-0"),
    pytest.param(body(pointsValue=-5), 400, POINTS, id="pointsValue-negative"),
    pytest.param(body(pointsValue="5"), 400, POINTS, id="pointsValue-string"),
    pytest.param(body(pointsValue=True), 400, POINTS, id="pointsValue-true"),
    pytest.param(body(pointsValue=1.5), 400, POINTS, id="pointsValue-1.5"),
    pytest.param(body(pointsValue=None), 400, POINTS, id="pointsValue-null"),
    pytest.param(body(pointsValue=2147483648), 400, INVALID, id="pointsValue-above-int32"),
    # label
    pytest.param(body(label="x" * 256), 400, INVALID, id="label-256-chars"),
    pytest.param(body(label=5), 400, INVALID, id="label-number"),
    pytest.param(body(label=["a"]), 400, INVALID, id="label-list"),
    pytest.param(body(label=None), 400, INVALID, id="label-null"),
    # expiresAt
    pytest.param(body(expiresAt="nope"), 400, INVALID, id="expiresAt-nope"),
    pytest.param(body(expiresAt="2025-13-01T00:00:00Z"), 400, INVALID, id="expiresAt-month-13"),
    pytest.param(body(expiresAt="2025-12-31"), 400, INVALID, id="expiresAt-date-only"),
    pytest.param(body(expiresAt=12345), 400, INVALID, id="expiresAt-number"),
    pytest.param(body(expiresAt=None), 400, INVALID, id="expiresAt-null"),
    # the campaign
    pytest.param(body(slug="no-such-campaign"), 404, "Campaign not found", id="unknown-slug"),
    pytest.param(body(slug="Summer-Promo"), 404, "Campaign not found", id="slug-other-case"),
    # The first failure wins, in D4's order.
    pytest.param(body(batchSize=0, pointsValue=0), 400, BATCH_SIZE, id="batchSize-before-pointsValue"),
    pytest.param(body("slug", batchSize=0), 400, INVALID, id="slug-before-batchSize"),
    pytest.param(body(pointsValue=0, label="x" * 256), 400, POINTS, id="pointsValue-before-label"),
    pytest.param(body(batchSize=10001, pointsValue=2147483648), 400, BATCH_SIZE, id="batchSize-before-int32"),
    pytest.param(body(slug="no-such-campaign", batchSize=0), 400, BATCH_SIZE, id="batchSize-before-lookup"),
    pytest.param(body(slug="no-such-campaign", label=5), 400, INVALID, id="label-before-lookup"),
]


@pytest.mark.parametrize(("payload", "status", "message"), D4_ROWS)
def test_generate_rejects_per_d4_and_stores_nothing(
    api: Any, app: Any, payload: Any, status: int, message: str
):
    codes_before = app.state.codes.code_count
    response = api.generate(payload)
    assert (response.status_code, response.json()) == (
        status,
        {"status": "error", "code": status, "message": message},
    )
    assert api.total() == 2
    assert app.state.codes.code_count == codes_before


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"batchSize": 1}, id="batchSize-1"),
        pytest.param({"batchSize": 10000}, id="batchSize-10000"),
        pytest.param({"pointsValue": 1}, id="pointsValue-1"),
        pytest.param({"pointsValue": 2147483647}, id="pointsValue-int32-max"),
        pytest.param({"label": "x" * 255}, id="label-255-chars"),
        pytest.param({"label": "é" * 255}, id="label-255-non-ascii-chars"),
    ],
)
def test_generate_accepts_boundary_values_and_echoes_them(api: Any, changes: dict[str, Any]) -> None:
    data = api.generated(**changes)
    for field, value in changes.items():
        assert data["batch"][field] == value
    assert data["count"] == len(data["codes"]) == data["batch"]["batchSize"]


def test_generate_ignores_unknown_fields(api: Any) -> None:
    data = api.generated(foo=1, count=5, id="x", codes=["SUMM-AAAAAAAA"], createdAt="2000-01-01T00:00:00Z")
    assert data["count"] == len(data["codes"]) == 100
    assert data["batch"]["id"] != "x"
    assert not data["batch"]["createdAt"].startswith("2000")
    assert set(data) == {"batch", "codes", "count", "gameUrl"}


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        pytest.param("2025-12-31T23:59:59+02:00", "2025-12-31T21:59:59Z", id="positive-offset"),
        pytest.param("2025-12-31T23:59:59-05:30", "2026-01-01T05:29:59Z", id="negative-offset-next-year"),
        pytest.param("2025-12-31T23:59:59", "2025-12-31T23:59:59Z", id="no-offset-is-utc"),
        pytest.param("2025-12-31t23:59:59z", "2025-12-31T23:59:59Z", id="lower-case-t-and-z"),
        pytest.param("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", id="past-accepted"),
    ],
)
def test_generate_returns_expires_at_in_utc_with_z(api: Any, sent: str, returned: str) -> None:
    data = api.generated(expiresAt=sent)
    assert data["batch"]["expiresAt"] == returned
    assert api.all_batches()[0]["expiresAt"] == returned


@pytest.mark.parametrize(
    "label", ["a\x00b", "\ue000", "\ue0000\ue000e", "\u2028 \U0001f600 \\ '\" %s ?", ""], ids=repr
)
def test_a_label_is_kept_exactly_whatever_characters_it_holds(api: Any, label: str) -> None:
    made = api.generated(label=label)["batch"]
    assert made["label"] == label
    assert [b["label"] for b in api.all_batches() if b["id"] == made["id"]] == [label]


def test_generate_without_label_or_expiry_gives_nulls(api: Any) -> None:
    batch = api.generate(body("label", "expiresAt")).json()["data"]["batch"]
    assert (batch["label"], batch["expiresAt"]) == (None, None)


@pytest.mark.parametrize("slug", ["spring-launch", "autumn-2024"])
def test_generate_is_allowed_for_paused_and_ended_campaigns(api: Any, slug: str) -> None:
    before = api.total(slug)
    data = api.generated(slug=slug)
    assert data["gameUrl"] == f"https://app.gamifyhost.com/campaign/{slug}"
    assert all(code.startswith(slug[:4].upper() + "-") for code in data["codes"])
    assert api.total(slug) == before + 1


@pytest.mark.parametrize(("sent", "read"), [(b"2.0", 2), (b"1e3", 1000), (b"7.000", 7)])
def test_generate_reads_a_number_with_a_zero_fraction_as_its_integer(
    api: Any, sent: bytes, read: int
) -> None:
    # D4: JSON Schema's `integer` holds 2.0, so the spec promises to accept it.
    content = b'{"slug": "summer-promo", "batchSize": %s, "pointsValue": %s}' % (sent, sent)
    response = api.post_raw(content, content_type="application/json")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["count"], len(data["codes"]), data["batch"]["batchSize"], data["batch"]["pointsValue"]) == (
        read,
        read,
        read,
        read,
    )
    assert b'"batchSize":%d,' % read in response.content  # written as an integer, not 2.0


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        pytest.param(b'{"slug": "summer-promo",', "application/json", 400, id="malformed-json"),
        pytest.param(b'{"slug": "summer-promo"} {}', "application/json", 400, id="two-documents"),
        pytest.param(b"", "application/json", 400, id="empty-body"),
        pytest.param(b"\xff\xfe{}", "application/json", 400, id="not-utf8"),
        pytest.param(
            b'{"slug": "summer-promo", "batchSize": 1, "pointsValue": 1}', "text/plain", 415, id="text"
        ),
        pytest.param(b'{"slug": "summer-promo", "batchSize": 1, "pointsValue": 1}', None, 415, id="no-type"),
        pytest.param(
            b"slug=summer-promo&batchSize=1&pointsValue=1", "application/x-www-form-urlencoded", 415
        ),
    ],
)
def test_generate_refuses_an_unreadable_body_and_stores_nothing(
    api: Any, app: Any, content: bytes, content_type: str | None, status: int
) -> None:
    codes_before = app.state.codes.code_count
    response = api.post_raw(content, content_type=content_type)
    assert response.status_code == status
    assert response.json()["status"] == "error"
    if status == 400:
        assert response.json()["message"] == INVALID
    assert api.total() == 2
    assert app.state.codes.code_count == codes_before


def test_generate_refuses_an_oversized_body_with_a_documented_4xx(api: Any, app: Any) -> None:
    # A 2 MB label is "label longer than 255 characters" (D4); any 4xx the spec documents will do.
    content = json.dumps({**DOCS, "label": "x" * 2_000_000}).encode()
    response = api.post_raw(content, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert api.total() == 2


def test_generate_accepts_json_with_a_charset(api: Any) -> None:
    content = b'{"slug": "summer-promo", "batchSize": 3, "pointsValue": 7}'
    response = api.post_raw(content, content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    assert response.json()["data"]["count"] == 3


def test_generate_docs_curl_example_returns_100_codes_listed_first(api: Any) -> None:
    response = api.generate(DOCS)
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "success"
    data = payload["data"]
    assert data["count"] == 100 == data["batch"]["batchSize"] == len(data["codes"])
    assert all(SUMM_CODE.fullmatch(code) for code in data["codes"])
    assert len(set(data["codes"])) == 100
    assert data["gameUrl"] == "https://app.gamifyhost.com/campaign/summer-promo"
    batches = api.all_batches()
    assert len(batches) == 3
    assert batches[0] == data["batch"]


def test_generate_batch_echoes_the_request(api: Any) -> None:
    batch = api.generated(
        batchSize=7, pointsValue=25, label="Till receipts", expiresAt="2030-01-02T03:04:05Z"
    )["batch"]
    assert batch["batchSize"] == 7
    assert batch["pointsValue"] == 25
    assert batch["label"] == "Till receipts"
    assert batch["expiresAt"] == "2030-01-02T03:04:05Z"
    assert batch["campaignId"] == SUMMER_PROMO_ID
    assert set(batch) == {"id", "campaignId", "batchSize", "pointsValue", "label", "expiresAt", "createdAt"}


def test_generate_gives_each_batch_a_new_uuid(api: Any) -> None:
    ids = [api.generated(batchSize=1)["batch"]["id"] for _ in range(3)]
    assert all(str(uuid.UUID(batch_id)) == batch_id for batch_id in ids)
    assert len(set(ids)) == 3
    assert not set(ids) & {"a1b2c3d4-e5f6-7890-abcd-ef1234567890", "b2c3d4e5-f6a7-8901-bcde-f12345678901"}


def test_generate_created_at_is_now_in_utc_whole_seconds(api: Any) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    created = api.generated(batchSize=1)["batch"]["createdAt"]
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", created)
    moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= moment <= after
