"""D3: another partner's or environment's campaign is indistinguishable from a missing one."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.every_store

ACME_TEST = "sk_test_acme_mock_secret"
ACME_LIVE = "sk_live_acme_mock_secret"
GLOBEX_TEST = "sk_test_globex_mock_secret"
NOT_FOUND = {"status": "error", "code": 404, "message": "Campaign not found"}
SUMMER_PROMO_TEST_ID = "c1d2e3f4-a5b6-7890-1234-567890abcdef"

FOREIGN = [
    pytest.param(GLOBEX_TEST, "summer-promo", id="globex-in-acme-summer-promo"),
    pytest.param(ACME_TEST, "winter-sale", id="acme-in-globex-winter-sale"),
    pytest.param(ACME_LIVE, "winter-sale", id="acme-live-in-globex-winter-sale"),
    pytest.param(ACME_LIVE, "spring-launch", id="spring-launch-is-test-only"),
    pytest.param(ACME_LIVE, "autumn-2024", id="autumn-2024-is-test-only"),
    pytest.param(GLOBEX_TEST, "tps-reports", id="globex-in-initech-tps-reports"),
]


@pytest.mark.parametrize(("secret", "slug"), FOREIGN)
def test_listing_another_tenants_campaign_is_campaign_not_found(api: Any, secret: str, slug: str) -> None:
    response = api.list_batches(secret, slug=slug)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize(("secret", "slug"), FOREIGN)
def test_generating_in_another_tenants_campaign_is_campaign_not_found(
    api: Any, app: Any, secret: str, slug: str
) -> None:
    codes_before = app.state.codes.code_count
    response = api.generate(secret=secret, slug=slug)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert app.state.codes.code_count == codes_before


def test_failed_foreign_generate_leaves_the_owners_listing_unchanged(api: Any) -> None:
    api.generate(secret=GLOBEX_TEST, slug="summer-promo")
    api.generate(secret=ACME_TEST, slug="winter-sale")
    assert api.total("summer-promo", ACME_TEST) == 2
    assert api.total("winter-sale", GLOBEX_TEST) == 0


def test_live_secret_sees_live_summer_promo_without_batches(api: Any) -> None:
    response = api.list_batches(ACME_LIVE, slug="summer-promo")
    assert response.json()["data"] == {"batches": [], "total": 0, "page": 1, "limit": 20}


def test_batches_generated_with_test_secret_stay_out_of_live(api: Any) -> None:
    test_batch = api.generated(ACME_TEST, label="test only")["batch"]
    assert api.total("summer-promo", ACME_LIVE) == 0
    assert api.all_batches("summer-promo", ACME_TEST)[0] == test_batch


def test_batches_generated_with_live_secret_stay_out_of_test(api: Any) -> None:
    live_batch = api.generated(ACME_LIVE, label="live only")["batch"]
    assert api.all_batches("summer-promo", ACME_LIVE) == [live_batch]
    test_batches = api.all_batches("summer-promo", ACME_TEST)
    assert [batch["id"] for batch in test_batches] == [
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "b2c3d4e5-f6a7-8901-bcde-f12345678901",
    ]


def test_test_and_live_summer_promo_are_different_campaigns(api: Any) -> None:
    live = api.generated(ACME_LIVE, batchSize=1)["batch"]
    test = api.generated(ACME_TEST, batchSize=1)["batch"]
    assert test["campaignId"] == SUMMER_PROMO_TEST_ID
    assert live["campaignId"] != SUMMER_PROMO_TEST_ID


def test_each_partner_lists_only_its_own_batches(api: Any) -> None:
    globex = api.generated(GLOBEX_TEST, slug="winter-sale", label="Globex batch")["batch"]
    acme = api.generated(ACME_TEST, label="Acme batch")["batch"]
    assert api.all_batches("winter-sale", GLOBEX_TEST) == [globex]
    assert globex not in api.all_batches("summer-promo", ACME_TEST)
    assert api.all_batches("summer-promo", ACME_TEST)[0] == acme
