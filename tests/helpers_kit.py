"""Constants the tests share, and helpers of the integrator-kit tests (admin API, faults, ...).

A plain module, not conftest.py: two conftest.py files (here and in conformance/) make
`import conftest` ambiguous. Every helper takes any client with httpx's interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

SPEC_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"
ACME_TEST = "sk_test_acme_mock_secret"
GENERATE = "/v1/campaigns/codes/generate"
BATCHES = "/v1/campaigns/codes/batches"
VERIFY = "/v1/campaigns/codes/verify"
STATS = "/v1/campaigns/codes/stats"
REDEEM = "/v1/campaigns/summer-promo/redeem"
FIXTURE_BATCH = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"  # 100 codes, SUMM-AX7K9M2P among them
FIXTURE_CODE = "SUMM-AX7K9M2P"
FIXTURE_CAMPAIGN_ID = "c1d2e3f4-a5b6-7890-1234-567890abcdef"  # Acme's summer-promo in TEST
FROZEN = "2025-06-01T12:00:00Z"
# The request body of the docs' curl example.
DOCS_BODY = {
    "slug": "summer-promo",
    "batchSize": 100,
    "pointsValue": 500,
    "label": "In-store promo cards",
    "expiresAt": "2025-12-31T23:59:59Z",
}


def plain_client(app: Starlette) -> TestClient:
    """A client that does not check responses against openapi.yaml (for the mock's own routes)."""
    return TestClient(app, raise_server_exceptions=False)


def auth(secret: str = ACME_TEST, **headers: str) -> dict[str, str]:
    return {"X-API-Secret": secret, **headers}


def generate(http: Any, count: int = 3, **fields: Any) -> dict[str, Any]:
    body = {"slug": "summer-promo", "batchSize": count, "pointsValue": 250, **fields}
    response = http.post(GENERATE, json=body, headers=auth())
    assert response.status_code == 200, response.text
    return response.json()["data"]


def verify(http: Any, code: str, secret: str = ACME_TEST) -> dict[str, Any]:
    response = http.post(VERIFY, json={"code": code}, headers=auth(secret))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def stats(http: Any, slug: str = "summer-promo", secret: str = ACME_TEST) -> dict[str, Any]:
    response = http.get(STATS, params={"slug": slug}, headers=auth(secret))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def batches(http: Any, slug: str = "summer-promo") -> list[dict[str, Any]]:
    response = http.get(BATCHES, params={"slug": slug, "limit": 100}, headers=auth())
    assert response.status_code == 200, response.text
    return response.json()["data"]["batches"]


def redeem(http: Any, code: str, user_id: str = "user-1") -> Any:
    return http.post(REDEEM, json={"code": code, "userId": user_id}, headers=auth())


def admin_data(response: Any) -> Any:
    """`data` of a successful admin call."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


def assert_error(response: Any, status: int, message: str | None = None) -> None:
    """The D1 error envelope with `status` (and `message`, when given), sent as JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json"
    body = response.json()
    assert set(body) == {"status", "code", "message"}
    assert (body["status"], body["code"]) == ("error", status)
    if message is not None:
        assert body["message"] == message
