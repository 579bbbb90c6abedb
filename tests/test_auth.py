"""D2: the X-API-Secret header, checked before anything else, in-process and over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.every_store

GENERATE = "/v1/campaigns/codes/generate"
BATCHES = "/v1/campaigns/codes/batches"
ACME_TEST = "sk_test_acme_mock_secret"
ACME_REVOKED = "sk_test_acme_revoked_secret"
INITECH_INACTIVE = "sk_test_initech_inactive_app"
DOCS_BODY = {"slug": "summer-promo", "batchSize": 100, "pointsValue": 500, "label": "In-store promo cards"}
OPERATIONS = ["generateCodes", "listCodeBatches"]


def call(
    http: Any, operation: str, headers: dict[str, str], slug: str = "summer-promo", **overrides: Any
) -> Any:
    """One request of `operation` on `slug` with exactly `headers` (plus a JSON content type on POST)."""
    if operation == "generateCodes":
        body = {**DOCS_BODY, "slug": slug, **overrides}
        return http.post(GENERATE, json=body, headers=headers)
    return http.get(BATCHES, params={"slug": slug, **overrides}, headers=headers)


def assert_error(response: Any, status: int, message: str) -> None:
    assert (response.status_code, response.json()) == (
        status,
        {"status": "error", "code": status, "message": message},
    )


MISSING = "Missing X-API-Secret header"
INVALID_KEY = "Invalid API key"
REVOKED = "API key has been revoked"
INACTIVE = "Application is not active"
UNKNOWN_SECRET = "sk_test_nobody_has_this_secret"
D2_ROWS = [
    pytest.param({}, "summer-promo", 401, MISSING, id="no-header"),
    pytest.param({"X-API-Secret": UNKNOWN_SECRET}, "summer-promo", 401, INVALID_KEY, id="unknown"),
    pytest.param({"X-API-Secret": "pk_test_acme_mock_secret"}, "summer-promo", 401, INVALID_KEY, id="pk-key"),
    pytest.param({"X-API-Key": "pk_test_acme_mock_secret"}, "summer-promo", 401, MISSING, id="sdk-header"),
    pytest.param({"X-API-Secret": ACME_REVOKED}, "summer-promo", 403, REVOKED, id="revoked"),
    pytest.param({"X-API-Secret": INITECH_INACTIVE}, "tps-reports", 403, INACTIVE, id="inactive"),
]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(("headers", "slug", "status", "message"), D2_ROWS)
def test_auth_failure_gets_its_documented_status_and_message(
    any_client: Any, operation: str, headers: dict[str, str], slug: str, status: int, message: str
) -> None:
    assert_error(call(any_client, operation, headers, slug), status, message)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_auth_accepts_the_secret_whatever_the_header_name_case(any_client: Any, operation: str) -> None:
    assert call(any_client, operation, {"x-api-secret": ACME_TEST}).status_code == 200


NEAR_MISSES = [
    pytest.param(ACME_TEST[:-1], id="prefix"),
    pytest.param(ACME_TEST.upper(), id="upper-cased"),
    pytest.param(ACME_TEST + "x", id="extended"),
    pytest.param("sk_live_acme_mock_secret_", id="other-environment-suffix"),
    pytest.param("Bearer " + ACME_TEST, id="bearer"),
]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("secret", NEAR_MISSES)
def test_auth_rejects_a_near_miss_of_a_valid_secret(any_client: Any, operation: str, secret: str) -> None:
    assert_error(call(any_client, operation, {"X-API-Secret": secret}), 401, INVALID_KEY)


# HTTP/1.1 does not carry white space at the ends of a header value (h11 refuses to send it),
# so these near misses are only meaningful in-process.
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("secret", [ACME_TEST + " ", " " + ACME_TEST, ACME_TEST + "\t"])
def test_auth_rejects_a_valid_secret_padded_with_white_space(
    client: Any, operation: str, secret: str
) -> None:
    assert_error(call(client, operation, {"X-API-Secret": secret}), 401, INVALID_KEY)


AUTH_FAILURES = [
    pytest.param({}, 401, MISSING, id="no-header"),
    pytest.param({"X-API-Secret": UNKNOWN_SECRET}, 401, INVALID_KEY, id="unknown"),
    pytest.param({"X-API-Secret": ACME_REVOKED}, 403, REVOKED, id="revoked"),
    pytest.param({"X-API-Secret": INITECH_INACTIVE}, 403, INACTIVE, id="inactive"),
]


@pytest.mark.parametrize(("headers", "status", "message"), AUTH_FAILURES)
@pytest.mark.parametrize(
    "invalid_body",
    [
        pytest.param({"batchSize": 0}, id="batchSize-0"),
        pytest.param({"pointsValue": 0}, id="pointsValue-0"),
        pytest.param({"slug": ""}, id="empty-slug"),
        pytest.param({"label": 7}, id="label-not-string"),
    ],
)
def test_auth_is_checked_before_body_validation(
    any_client: Any, headers: dict[str, str], status: int, message: str, invalid_body: dict[str, Any]
) -> None:
    assert_error(call(any_client, "generateCodes", headers, **invalid_body), status, message)


@pytest.mark.parametrize(("headers", "status", "message"), AUTH_FAILURES)
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"{not json", "application/json", id="malformed-json"),
        pytest.param(b"", "application/json", id="empty-body"),
        pytest.param(b"slug=summer-promo", "application/x-www-form-urlencoded", id="form"),
        pytest.param(b"[]", "application/json", id="array-body"),
    ],
)
def test_auth_is_checked_before_reading_the_body(
    any_client: Any, headers: dict[str, str], status: int, message: str, content: bytes, content_type: str
) -> None:
    response = any_client.post(GENERATE, content=content, headers={**headers, "Content-Type": content_type})
    assert_error(response, status, message)


@pytest.mark.parametrize(("headers", "status", "message"), AUTH_FAILURES)
@pytest.mark.parametrize(
    "query",
    [pytest.param({"page": "0"}, id="page-0"), pytest.param({"limit": "101"}, id="limit-101"), {"slug": ""}],
)
def test_auth_is_checked_before_query_validation(
    any_client: Any, headers: dict[str, str], status: int, message: str, query: dict[str, str]
) -> None:
    assert_error(call(any_client, "listCodeBatches", headers, **query), status, message)


def test_auth_is_checked_before_a_missing_slug_on_listing(any_client: Any) -> None:
    assert_error(any_client.get(BATCHES), 401, MISSING)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(("headers", "status", "message"), AUTH_FAILURES)
def test_auth_is_checked_before_the_campaign_lookup(
    any_client: Any, operation: str, headers: dict[str, str], status: int, message: str
) -> None:
    assert_error(call(any_client, operation, headers, slug="no-such-campaign"), status, message)
