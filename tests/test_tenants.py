"""Tenants at run time (admin API): partners added, campaigns paused or ended, keys revoked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers_kit import (
    ACME_TEST,
    FIXTURE_CAMPAIGN_ID,
    GENERATE,
    REDEEM,
    admin_data,
    assert_error,
    auth,
    plain_client,
    stats,
    verify,
)
from starlette.testclient import TestClient

from mockserver import create_app

pytestmark = pytest.mark.every_store

PARTNERS = "/__mock/partners"
TENANT = {
    "name": "Tenant One",
    "applications": [{"name": "Tenant app", "keys": [{"environment": "TEST"}, {"environment": "LIVE"}]}],
    "campaigns": [
        {"slug": "promo", "environment": "TEST"},
        {"slug": "promo", "name": "Promo live", "environment": "LIVE", "status": "paused"},
    ],
}


@pytest.fixture
def mock(store_url: str) -> Iterator[TestClient]:
    with plain_client(create_app(store=store_url)) as client:
        yield client


def add(mock: TestClient, partner: dict[str, Any] = TENANT) -> dict[str, Any]:
    return admin_data(mock.post(PARTNERS, json=partner))["partner"]  # type: ignore[no-any-return]


def secret_of(partner: dict[str, Any], environment: str) -> str:
    keys = [
        key for app in partner["applications"] for key in app["keys"] if key["environment"] == environment
    ]
    return str(keys[0]["secret"])


def generate_in(mock: TestClient, secret: str, slug: str = "promo", count: int = 3) -> list[str]:
    response = mock.post(
        GENERATE, json={"slug": slug, "batchSize": count, "pointsValue": 10}, headers=auth(secret)
    )
    return admin_data(response)["codes"]  # type: ignore[no-any-return]


def campaign(mock: TestClient, campaign_id: str, **changes: Any) -> Any:
    return mock.patch(f"/__mock/campaigns/{campaign_id}", json=changes)


def test_an_added_partner_gets_made_up_secrets_and_ids_and_works_at_once(mock: TestClient) -> None:
    partner = add(mock)
    test_secret, live_secret = secret_of(partner, "TEST"), secret_of(partner, "LIVE")
    assert test_secret.startswith("sk_test_") and live_secret.startswith("sk_live_")
    assert len({test_secret, live_secret}) == 2
    test, live = partner["campaigns"]
    assert (test["name"], test["status"], live["name"], live["status"]) == (
        "promo",
        "active",
        "Promo live",
        "paused",
    )
    assert len({partner["id"], test["id"], live["id"]}) == 3
    codes = generate_in(mock, test_secret)
    assert all(code.startswith("PROM-") for code in codes)
    assert stats(mock, slug="promo", secret=test_secret)["totalCodes"] == 3
    assert verify(mock, codes[0], secret=test_secret)["message"] == "Code is valid and redeemable"
    # Its own environments and partners stay apart (D3).
    assert verify(mock, codes[0], secret=live_secret)["message"] == "Code not found"
    assert verify(mock, codes[0], secret=ACME_TEST)["message"] == "Code not found"


def test_given_secrets_and_ids_are_kept(mock: TestClient) -> None:
    partner = add(
        mock,
        {
            "id": "0b7f3c1e-2d4a-4e6b-8c9d-0a1b2c3d4e5f",
            "name": "Given",
            "applications": [{"name": "App", "keys": [{"secret": "sk_test_given_secret_1"}]}],
            "campaigns": [
                {"id": "1c8e4d2f-3e5b-4f7c-9d0e-1b2c3d4e5f60", "slug": "given", "environment": "TEST"}
            ],
        },
    )
    assert partner["id"] == "0b7f3c1e-2d4a-4e6b-8c9d-0a1b2c3d4e5f"
    assert partner["campaigns"][0]["id"] == "1c8e4d2f-3e5b-4f7c-9d0e-1b2c3d4e5f60"
    assert generate_in(mock, "sk_test_given_secret_1", slug="given")


@pytest.mark.parametrize(
    "partner",
    [
        {"name": "Again", "applications": [{"name": "App", "keys": [{"secret": ACME_TEST}]}]},
        {"name": "Twice", "applications": [{"name": "A", "keys": [{"secret": "sk_test_twice_1234"}] * 2}]},
        {
            "name": "Two of a slug",
            "applications": [{"name": "App", "keys": [{}]}],
            "campaigns": [{"slug": "same", "environment": "TEST"}, {"slug": "same", "environment": "TEST"}],
        },
        {
            "name": "Campaign id taken",
            "applications": [{"name": "App", "keys": [{}]}],
            "campaigns": [{"id": FIXTURE_CAMPAIGN_ID, "slug": "mine", "environment": "TEST"}],
        },
    ],
    ids=["secret-of-another", "secret-twice", "slug-twice", "campaign-id-taken"],
)
def test_a_clash_is_a_409_and_adds_nothing(mock: TestClient, partner: dict[str, Any]) -> None:
    before = admin_data(mock.get(PARTNERS))
    assert_error(mock.post(PARTNERS, json=partner), 409)
    assert admin_data(mock.get(PARTNERS)) == before


def test_the_same_slug_in_two_partners_is_fine(mock: TestClient) -> None:
    first, second = add(mock), add(mock, {**TENANT, "name": "Tenant Two"})
    for partner in (first, second):
        generate_in(mock, secret_of(partner, "TEST"), count=2)
        assert stats(mock, slug="promo", secret=secret_of(partner, "TEST"))["totalCodes"] == 2


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"name": "No applications"},
        {"name": "", "applications": []},
        {"name": "Bad secret", "applications": [{"name": "A", "keys": [{"secret": "sk_prod_12345678"}]}]},
        {
            "name": "Mixed",
            "applications": [{"name": "A", "keys": [{"secret": "sk_live_12345678", "environment": "TEST"}]}],
        },
        {
            "name": "Bad slug",
            "applications": [],
            "campaigns": [{"slug": "Not A Slug", "environment": "TEST"}],
        },
        {
            "name": "Bad status",
            "applications": [],
            "campaigns": [{"slug": "x", "environment": "TEST", "status": "gone"}],
        },
        {"name": "Bad id", "id": "not-a-uuid", "applications": []},
        {
            "name": "Batches",
            "applications": [],
            "campaigns": [{"slug": "x", "environment": "TEST", "batches": []}],
        },
        {"name": "Extra", "applications": [], "colour": "blue"},
    ],
)
def test_a_malformed_partner_is_a_400_that_says_what_to_send(mock: TestClient, body: Any) -> None:
    before = admin_data(mock.get(PARTNERS))
    response = mock.post(PARTNERS, json=body)
    assert_error(response, 400)
    assert response.json()["message"].startswith("Send a partner in the fixtures' format: {")
    assert admin_data(mock.get(PARTNERS)) == before


def test_pausing_ending_and_reactivating_a_campaign(mock: TestClient) -> None:
    partner = add(mock)
    secret, campaign_id = secret_of(partner, "TEST"), partner["campaigns"][0]["id"]
    code, other = generate_in(mock, secret, count=2)

    paused = admin_data(campaign(mock, campaign_id, status="paused"))["campaign"]
    assert (paused["status"], paused["ended"]) == ("paused", False)
    verdict = verify(mock, code, secret=secret)
    assert (verdict["valid"], verdict["expired"], verdict["message"]) == (
        False,
        False,
        "Campaign is not active",
    )
    assert (
        mock.post(
            REDEEM.replace("summer-promo", "promo"), json={"code": code, "userId": "u"}, headers=auth(secret)
        ).status_code
        != 200
    )

    ended = admin_data(campaign(mock, campaign_id, status="ended"))["campaign"]
    assert (ended["status"], ended["ended"]) == ("ended", True)
    verdict = verify(mock, code, secret=secret)
    assert (verdict["valid"], verdict["expired"], verdict["message"]) == (False, True, "Campaign has ended")

    admin_data(campaign(mock, campaign_id, status="active"))
    assert verify(mock, code, secret=secret)["valid"] is True
    redeemed = mock.post(
        REDEEM.replace("summer-promo", "promo"), json={"code": other, "userId": "u"}, headers=auth(secret)
    )
    assert redeemed.status_code == 200, redeemed.text


def test_an_end_date_in_the_past_ends_an_active_campaign(mock: TestClient) -> None:
    partner = add(mock)
    secret, campaign_id = secret_of(partner, "TEST"), partner["campaigns"][0]["id"]
    (code,) = generate_in(mock, secret, count=1)
    updated = admin_data(campaign(mock, campaign_id, endsAt="2020-01-01T00:00:00Z"))["campaign"]
    assert (updated["status"], updated["endsAt"], updated["ended"]) == (
        "active",
        "2020-01-01T00:00:00Z",
        True,
    )
    assert verify(mock, code, secret=secret)["message"] == "Campaign has ended"
    cleared = admin_data(campaign(mock, campaign_id, endsAt=None))["campaign"]
    assert (cleared["endsAt"], cleared["ended"]) == (None, False)
    assert verify(mock, code, secret=secret)["valid"] is True


@pytest.mark.parametrize(
    "body",
    [{}, {"status": "gone"}, {"status": None}, {"endsAt": "tomorrow"}, {"endsAt": 5}, {"colour": "red"}, []],
)
def test_a_malformed_campaign_change_is_a_400_and_changes_nothing(mock: TestClient, body: Any) -> None:
    before = admin_data(mock.get(PARTNERS))
    response = (
        campaign(mock, FIXTURE_CAMPAIGN_ID, **body)
        if isinstance(body, dict)
        else mock.patch(f"/__mock/campaigns/{FIXTURE_CAMPAIGN_ID}", json=body)
    )
    assert_error(response, 400)
    assert response.json()["message"].startswith('Send {"status": ')
    assert admin_data(mock.get(PARTNERS)) == before


def test_an_unknown_campaign_is_a_404(mock: TestClient) -> None:
    assert_error(campaign(mock, "no-such-campaign", status="paused"), 404, "Campaign not found")


def test_a_revoked_key_is_refused_everywhere_and_the_other_key_still_works(mock: TestClient) -> None:
    partner = add(mock)
    test_secret, live_secret = secret_of(partner, "TEST"), secret_of(partner, "LIVE")
    assert admin_data(mock.post("/__mock/keys/revoke", json={"secret": test_secret})) == {"revoked": "key"}
    assert_error(
        mock.post(
            GENERATE, json={"slug": "promo", "batchSize": 1, "pointsValue": 1}, headers=auth(test_secret)
        ),
        403,
        "API key has been revoked",
    )
    assert (
        mock.get("/v1/campaigns/codes/stats", params={"slug": "promo"}, headers=auth(live_secret)).status_code
        == 200
    )
    keys = next(p for p in admin_data(mock.get(PARTNERS))["partners"] if p["id"] == partner["id"])["keys"]
    assert [(key["environment"], key["revoked"]) for key in keys] == [("TEST", True), ("LIVE", False)]


@pytest.mark.parametrize("body", [{}, {"secret": 5}, {"secret": "x", "more": 1}, ["sk_test_x"]])
def test_revoking_a_key_takes_a_secret(mock: TestClient, body: Any) -> None:
    assert_error(mock.post("/__mock/keys/revoke", json=body), 400, 'Send {"secret": "<an API secret>"}')


def test_revoking_an_unknown_key_is_a_404(mock: TestClient) -> None:
    assert_error(
        mock.post("/__mock/keys/revoke", json={"secret": "sk_test_nobody_has_this"}), 404, "API key not found"
    )


def test_a_reset_removes_added_partners_and_undoes_campaign_and_key_changes(mock: TestClient) -> None:
    before = admin_data(mock.get(PARTNERS))
    partner = add(mock)
    admin_data(campaign(mock, FIXTURE_CAMPAIGN_ID, status="ended", endsAt="2020-01-01T00:00:00Z"))
    admin_data(mock.post("/__mock/keys/revoke", json={"secret": ACME_TEST}))
    admin_data(mock.post("/__mock/reset"))
    assert_error(
        mock.get(
            "/v1/campaigns/codes/stats", params={"slug": "promo"}, headers=auth(secret_of(partner, "TEST"))
        ),
        401,
        "Invalid API key",
    )
    assert admin_data(mock.get(PARTNERS)) == before
    assert stats(mock)["totalBatches"] == 2


def test_the_overview_shows_partners_campaigns_stats_and_batches_but_no_secret(mock: TestClient) -> None:
    partner = add(mock)
    secret = secret_of(partner, "TEST")
    generate_in(mock, secret, count=4)
    text = mock.get(PARTNERS).text
    assert secret not in text and "sk_test_acme" not in text
    shown = next(p for p in admin_data(mock.get(PARTNERS))["partners"] if p["id"] == partner["id"])
    test = shown["campaigns"][0]
    assert test["stats"]["totalCodes"] == 4 and test["stats"]["activeCodes"] == 4
    assert [batch["batchSize"] for batch in test["batches"]] == [4]
    acme = admin_data(mock.get(PARTNERS))["partners"][0]
    assert acme["name"] == "Acme"
    summer = next(c for c in acme["campaigns"] if c["id"] == FIXTURE_CAMPAIGN_ID)
    assert summer["stats"] == stats(mock)


def test_partners_campaign_states_and_revoked_keys_last_as_long_as_the_store(store_url: str) -> None:
    with plain_client(create_app(store=store_url)) as first:
        partner = add(first)
        test_secret, live_secret = secret_of(partner, "TEST"), secret_of(partner, "LIVE")
        (code,) = generate_in(first, test_secret, count=1)
        admin_data(campaign(first, partner["campaigns"][0]["id"], status="paused"))
        admin_data(first.post("/__mock/keys/revoke", json={"secret": live_secret}))
    with plain_client(create_app(store=store_url)) as second:
        live_stats = second.get(
            "/v1/campaigns/codes/stats", params={"slug": "promo"}, headers=auth(live_secret)
        )
        if store_url == "memory":  # a new process, nothing kept: the partner is gone
            assert_error(live_stats, 401, "Invalid API key")
            return
        assert verify(second, code, secret=test_secret)["message"] == "Campaign is not active"
        assert_error(live_stats, 403, "API key has been revoked")
