"""Redeem code (inferred, D9): every answer of the table, and exactly one winner under contention."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.every_store

Api = Any  # the `api` fixture of conftest.py
ACME_LIVE = "sk_live_acme_mock_secret"
GLOBEX = "sk_test_globex_mock_secret"


def one_code(
    api: Api, slug: str = "summer-promo", secret: str = "sk_test_acme_mock_secret", **extra: Any
) -> str:
    body = {"slug": slug, "batchSize": 1, "pointsValue": 500, **extra}
    return api.generated(body=body, secret=secret)["codes"][0]


def answer(response: Any) -> tuple[int, str]:
    return response.status_code, response.json().get("message", "")


def test_redeem_awards_the_batch_points_and_describes_the_redemption(api: Api) -> None:
    generated = api.generated(body={"slug": "summer-promo", "batchSize": 1, "pointsValue": 320})
    code = generated["codes"][0]
    before = datetime.now(UTC).replace(microsecond=0)
    response = api.redeem("summer-promo", {"code": code, "userId": "user-7"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert {k: v for k, v in data.items() if k != "redeemedAt"} == {
        "code": code,
        "userId": "user-7",
        "pointsAwarded": 320,
        "batchId": generated["batch"]["id"],
        "campaignSlug": "summer-promo",
    }
    redeemed_at = datetime.fromisoformat(data["redeemedAt"])
    assert before <= redeemed_at <= datetime.now(UTC)


def test_redeem_trims_and_ignores_case_and_answers_the_canonical_code(api: Api) -> None:
    code = one_code(api)
    response = api.redeem("summer-promo", {"code": f"  {code.lower()} ", "userId": "u"})
    assert response.status_code == 200
    assert response.json()["data"]["code"] == code


def test_a_code_is_redeemed_only_once(api: Api) -> None:
    code = one_code(api)
    assert api.redeem("summer-promo", {"code": code, "userId": "a"}).status_code == 200
    assert answer(api.redeem("summer-promo", {"code": code, "userId": "b"})) == (
        409,
        "Code status is REDEEMED",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "SUMM-AX7K9M2P"},
        {"userId": "u"},
        {"code": "", "userId": "u"},
        {"code": "SUMM-AX7K9M2P", "userId": ""},
        {"code": 7, "userId": "u"},
        {"code": "SUMM-AX7K9M2P", "userId": 7},
        {"code": "SUMM-AX7K9M2P", "userId": None},
        ["SUMM-AX7K9M2P", "u"],
        "SUMM-AX7K9M2P",
    ],
)
def test_redeem_rejects_an_invalid_body(api: Api, body: Any) -> None:
    assert answer(api.redeem("summer-promo", body)) == (400, "Invalid request body")


def test_redeem_answers_campaign_not_found_for_unknown_and_foreign_campaigns(api: Api) -> None:
    code = one_code(api)
    assert answer(api.redeem("no-such-campaign", {"code": code, "userId": "u"})) == (
        404,
        "Campaign not found",
    )
    assert answer(api.redeem("winter-sale", {"code": code, "userId": "u"})) == (404, "Campaign not found")


@pytest.mark.parametrize(
    ("owner", "owner_slug", "redeemer", "slug"),
    [
        ("sk_test_acme_mock_secret", "summer-promo", GLOBEX, "winter-sale"),  # other partner
        ("sk_test_acme_mock_secret", "summer-promo", ACME_LIVE, "summer-promo"),  # other environment
        ("sk_test_acme_mock_secret", "spring-launch", "sk_test_acme_mock_secret", "summer-promo"),
    ],
    ids=["other-partner", "other-environment", "other-campaign"],
)
def test_redeem_answers_code_not_found_for_codes_out_of_reach(
    api: Api, owner: str, owner_slug: str, redeemer: str, slug: str
) -> None:
    code = one_code(api, slug=owner_slug, secret=owner)
    response = api.redeem(slug, {"code": code, "userId": "u"}, secret=redeemer)
    assert answer(response) == (404, "Code not found")
    assert api.verdict(code, secret=owner)["status"] == "ACTIVE"


def test_redeem_answers_code_not_found_for_an_unknown_code(api: Api) -> None:
    assert answer(api.redeem("summer-promo", {"code": "SUMM-ZZZZZZZZ", "userId": "u"})) == (
        404,
        "Code not found",
    )


def test_redeem_refuses_an_expired_code(api: Api) -> None:
    code = one_code(api, expiresAt="2020-01-01T00:00:00Z")
    assert answer(api.redeem("summer-promo", {"code": code, "userId": "u"})) == (
        409,
        "Code status is EXPIRED",
    )


def test_redeem_refuses_a_revoked_code(api: Api, app: Any) -> None:
    code = one_code(api)
    app.state.codes.revoke_code(code)
    assert answer(api.redeem("summer-promo", {"code": code, "userId": "u"})) == (
        409,
        "Code status is REVOKED",
    )


@pytest.mark.parametrize(
    ("slug", "message"), [("autumn-2024", "Campaign has ended"), ("spring-launch", "Campaign is not active")]
)
def test_redeem_refuses_codes_of_campaigns_not_running(api: Api, slug: str, message: str) -> None:
    code = one_code(api, slug=slug)
    assert answer(api.redeem(slug, {"code": code, "userId": "u"})) == (409, message)
    assert api.verdict(code)["status"] == "ACTIVE"


def test_a_failed_redeem_changes_nothing(api: Api) -> None:
    code = one_code(api, slug="spring-launch")
    before = api.counts("spring-launch")
    api.redeem("spring-launch", {"code": code, "userId": "u"})
    api.redeem("spring-launch", {"code": code}, secret=None)
    assert api.counts("spring-launch") == before


def test_of_fifty_concurrent_redemptions_of_one_code_exactly_one_succeeds(live_server: str) -> None:
    headers = {"X-API-Secret": "sk_test_acme_mock_secret"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as http:
        body = {"slug": "summer-promo", "batchSize": 1, "pointsValue": 500}
        code = http.post("/v1/campaigns/codes/generate", json=body).json()["data"]["codes"][0]
        before = http.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo"}).json()["data"]
    contenders = 50
    start = threading.Barrier(contenders)

    def attempt(user: int) -> int:
        with httpx.Client(base_url=live_server, headers=headers, timeout=30) as own:
            start.wait()
            response = own.post(
                "/v1/campaigns/summer-promo/redeem", json={"code": code, "userId": f"u{user}"}
            )
            return response.status_code

    with ThreadPoolExecutor(max_workers=contenders) as pool:
        statuses = list(pool.map(attempt, range(contenders)))
    assert sorted(statuses) == [200] + [409] * (contenders - 1)
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as http:
        after = http.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo"}).json()["data"]
    assert after["redeemedCodes"] == before["redeemedCodes"] + 1
    assert after["activeCodes"] == before["activeCodes"] - 1
