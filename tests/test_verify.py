"""Verify code: the documented fields and messages, and D7's order of checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver import create_app

pytestmark = pytest.mark.every_store

Api = Any  # the `api` fixture of conftest.py
ACME_TEST = "sk_test_acme_mock_secret"

ACME_LIVE = "sk_live_acme_mock_secret"
GLOBEX = "sk_test_globex_mock_secret"
PAST = "2020-01-01T00:00:00Z"
NOT_FOUND = {
    "valid": False,
    "status": "",
    "pointsValue": 0,
    "campaignName": "",
    "campaignSlug": "",
    "expired": False,
    "message": "Code not found",
}


def first_code(api: Api, **changes: Any) -> str:
    """A one-code batch; without an expiry unless `changes` give one (the docs' example has expired)."""
    changes.setdefault("expiresAt", None)
    body = {k: v for k, v in {"slug": "summer-promo", "pointsValue": 500, **changes}.items() if v is not None}
    return api.generated(body=body, batchSize=1)["codes"][0]


def test_verify_says_a_fresh_code_is_valid_with_its_batch_points(api: Api) -> None:
    code = first_code(api, pointsValue=750, expiresAt="2999-01-01T00:00:00Z")
    assert api.verdict(code) == {
        "valid": True,
        "status": "ACTIVE",
        "pointsValue": 750,
        "campaignName": "Summer Promo 2025",
        "campaignSlug": "summer-promo",
        "expired": False,
        "message": "Code is valid and redeemable",
    }


def test_verify_works_over_real_http(live_api: Api) -> None:
    api = live_api
    code = first_code(api, pointsValue=3)
    assert api.verdict(code)["message"] == "Code is valid and redeemable"


@pytest.mark.parametrize(
    "spelling", [str.lower, lambda code: f"  {code}\t", lambda code: f" {code.lower()} "]
)
def test_verify_trims_and_ignores_case(api: Api, spelling: Any) -> None:
    code = first_code(api)
    assert api.verdict(spelling(code))["valid"] is True


@pytest.mark.parametrize("code", ["SUMM-ZZZZZZZZ", "", "not a code", "SUMM-AX7K9M2", "x" * 5000])
def test_verify_answers_200_code_not_found_for_unknown_codes(api: Api, code: str) -> None:
    assert api.verdict(code) == NOT_FOUND


@pytest.mark.parametrize("other", [GLOBEX, ACME_LIVE], ids=["other-partner", "other-environment"])
def test_verify_hides_codes_of_another_partner_or_environment(api: Api, other: str) -> None:
    code = first_code(api)
    assert api.verdict(code, secret=other) == NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [{}, {"code": None}, {"code": 12345}, {"code": ["SUMM-AX7K9M2P"]}, ["SUMM-AX7K9M2P"], "SUMM", None],
)
def test_verify_rejects_a_body_without_a_string_code(api: Api, body: Any) -> None:
    headers = {"X-API-Secret": ACME_TEST, "Content-Type": "application/json"}
    response = api.http.post("/v1/campaigns/codes/verify", content=json.dumps(body), headers=headers)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body"


def test_verify_reports_a_redeemed_code_as_the_docs_show(api: Api) -> None:
    code = first_code(api, pointsValue=500)
    assert api.redeem("summer-promo", {"code": code, "userId": "user-1"}).status_code == 200
    assert api.verdict(code) == {
        "valid": False,
        "status": "REDEEMED",
        "pointsValue": 500,
        "campaignName": "Summer Promo 2025",
        "campaignSlug": "summer-promo",
        "expired": False,
        "message": "Code status is REDEEMED",
    }


def test_verify_reports_a_code_past_its_batch_expiry_as_expired(api: Api) -> None:
    verdict = api.verdict(first_code(api, expiresAt=PAST))
    assert (verdict["valid"], verdict["status"], verdict["message"]) == (
        False,
        "EXPIRED",
        "Code status is EXPIRED",
    )
    assert verdict["expired"] is False  # `expired` speaks of the campaign, not the code


def test_verify_reports_the_docs_example_codes_of_the_fixtures_as_expired(api: Api) -> None:
    verdict = api.verdict("SUMM-AX7K9M2P")
    assert (verdict["status"], verdict["pointsValue"], verdict["message"]) == (
        "EXPIRED",
        500,
        "Code status is EXPIRED",
    )


def test_verify_reports_a_revoked_code(api: Api, app: Any) -> None:
    code = first_code(api)
    assert app.state.codes.revoke_code(code) is True
    verdict = api.verdict(code)
    assert (verdict["valid"], verdict["status"], verdict["message"]) == (
        False,
        "REVOKED",
        "Code status is REVOKED",
    )


def test_verify_says_campaign_has_ended_for_an_active_code_of_an_ended_campaign(api: Api) -> None:
    verdict = api.verdict(first_code(api, slug="autumn-2024"))
    assert verdict == {
        "valid": False,
        "status": "ACTIVE",
        "pointsValue": 500,
        "campaignName": "Autumn 2024",
        "campaignSlug": "autumn-2024",
        "expired": True,
        "message": "Campaign has ended",
    }


def test_verify_says_campaign_is_not_active_for_a_paused_campaign(api: Api) -> None:
    verdict = api.verdict(first_code(api, slug="spring-launch"))
    assert (verdict["valid"], verdict["status"], verdict["expired"], verdict["message"]) == (
        False,
        "ACTIVE",
        False,
        "Campaign is not active",
    )


def test_verify_checks_the_code_status_before_the_campaign(api: Api, app: Any) -> None:
    expired_in_paused = first_code(api, slug="spring-launch", expiresAt=PAST)
    assert api.verdict(expired_in_paused)["message"] == "Code status is EXPIRED"
    revoked_in_ended = first_code(api, slug="autumn-2024")
    app.state.codes.revoke_code(revoked_in_ended)
    verdict = api.verdict(revoked_in_ended)
    assert (verdict["message"], verdict["expired"]) == ("Code status is REVOKED", True)


def test_verify_treats_a_campaign_past_its_end_date_as_ended(api_for: Any, write_fixtures: Any) -> None:
    path = write_fixtures(
        {
            "partners": [
                {
                    "name": "Umbrella",
                    "applications": [{"name": "App", "keys": [{"secret": "sk_test_umbrella_secret"}]}],
                    "campaigns": [
                        {
                            "slug": "flash-sale",
                            "name": "Flash Sale",
                            "environment": "TEST",
                            "status": "active",
                            "endsAt": PAST,
                        }
                    ],
                }
            ]
        }
    )
    api = api_for(create_app(path))
    body = {"slug": "flash-sale", "batchSize": 1, "pointsValue": 5}
    code = api.generated(secret="sk_test_umbrella_secret", body=body)["codes"][0]
    verdict = api.verdict(code, secret="sk_test_umbrella_secret")
    assert (verdict["message"], verdict["expired"]) == ("Campaign has ended", True)


def test_verify_changes_nothing(api: Api) -> None:
    code = first_code(api)
    before = api.counts()
    for _ in range(3):
        api.verdict(code)
    assert api.counts() == before
    assert api.verdict(code)["valid"] is True


def test_verify_checks_the_secret_first(api: Api) -> None:
    response = api.verify({"no": "code"}, secret=None)
    assert (response.status_code, response.json()["message"]) == (401, "Missing X-API-Secret header")
