"""D1: every error is the JSON envelope, also for unknown routes (404) and wrong methods (405)."""

from __future__ import annotations

from typing import Any

import pytest

GENERATE = "/v1/campaigns/codes/generate"
BATCHES = "/v1/campaigns/codes/batches"
ACME_TEST = "sk_test_acme_mock_secret"


def assert_envelope(response: Any, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].split(";")[0].strip() == "application/json"
    body = response.json()
    assert set(body) == {"status", "code", "message"}
    assert (body["status"], body["code"]) == ("error", status)
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1"),
        ("GET", "/v1/nowhere"),
        ("GET", "/v1/campaigns/codes"),
        ("POST", "/v1/campaigns/codes/unknown"),
        ("GET", "/v1/campaigns/codes/batches/extra"),
        ("GET", "/v1/campaigns/codes/batches/"),  # a trailing slash is not redirected
        ("POST", "/v1/campaigns/codes/generate/"),
        ("POST", "/v2/campaigns/codes/generate"),
        ("GET", "/V1/CAMPAIGNS/CODES/BATCHES"),
    ],
)
@pytest.mark.parametrize("secret", [None, ACME_TEST])
def test_unknown_route_is_a_404_envelope(any_client: Any, method: str, path: str, secret: str | None) -> None:
    headers = {"X-API-Secret": secret} if secret else {}
    assert_envelope(any_client.request(method, path, headers=headers), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", GENERATE, "POST"),
        ("PUT", GENERATE, "POST"),
        ("PATCH", GENERATE, "POST"),
        ("GET", GENERATE, "POST"),
        ("DELETE", BATCHES, "GET"),
        ("PUT", BATCHES, "GET"),
        ("PATCH", BATCHES, "GET"),
        ("POST", BATCHES, "GET"),
    ],
)
def test_wrong_method_is_a_405_envelope_with_allow(
    any_client: Any, method: str, path: str, allowed: str
) -> None:
    response = any_client.request(method, path, headers={"X-API-Secret": ACME_TEST})
    assert_envelope(response, 405)
    assert allowed in [value.strip() for value in response.headers["allow"].split(",")]
    assert method not in response.headers["allow"]


def test_error_responses_of_every_kind_are_json_envelopes(api: Any) -> None:
    cases = [
        (api.generate(batchSize=0), 400),
        (api.list_batches(slug="summer-promo", page=0), 400),
        (api.generate(secret=None), 401),
        (api.list_batches("sk_test_wrong_secret", slug="summer-promo"), 401),
        (api.generate(secret="sk_test_acme_revoked_secret"), 403),
        (api.list_batches("sk_test_initech_inactive_app", slug="tps-reports"), 403),
        (api.generate(slug="no-such-campaign"), 404),
        (api.list_batches(slug="no-such-campaign"), 404),
        (api.post_raw(b"{}", content_type="text/plain"), 415),
    ]
    for response, status in cases:
        assert_envelope(response, status)


def test_success_responses_are_json(api: Any) -> None:
    for response in (api.generate(batchSize=1), api.list_batches(slug="summer-promo")):
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0].strip() == "application/json"
        assert response.json()["status"] == "success"
