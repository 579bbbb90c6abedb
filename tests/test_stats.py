"""Code statistics (D8): counts by status at request time, always adding up."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.every_store

Api = Any  # the `api` fixture of conftest.py
STATUS_COUNTS = ("activeCodes", "redeemedCodes", "expiredCodes", "revokedCodes")


def adds_up(counts: dict[str, int]) -> bool:
    return counts["totalCodes"] == sum(counts[key] for key in STATUS_COUNTS)


def test_stats_of_the_fixture_campaign_count_the_docs_batches(api: Api) -> None:
    # The first fixture batch (100 codes) expired on 2025-12-31; the second (50) never expires,
    # and the fixtures mark one of its codes redeemed and one revoked.
    assert api.counts() == {
        "totalCodes": 150,
        "activeCodes": 48,
        "redeemedCodes": 1,
        "expiredCodes": 100,
        "revokedCodes": 1,
        "totalBatches": 2,
    }


def test_stats_grow_by_exactly_the_batch_size(api: Api) -> None:
    before = api.counts()
    api.generated(body={"slug": "summer-promo", "batchSize": 37, "pointsValue": 5})
    after = api.counts()
    assert after["totalCodes"] == before["totalCodes"] + 37
    assert after["activeCodes"] == before["activeCodes"] + 37
    assert after["totalBatches"] == before["totalBatches"] + 1
    assert adds_up(after)


def test_stats_follow_the_lifecycle_of_codes(api: Api, app: Any) -> None:
    codes = api.generated(body={"slug": "summer-promo", "batchSize": 6, "pointsValue": 5})["codes"]
    api.generated(
        body={"slug": "summer-promo", "batchSize": 4, "pointsValue": 5, "expiresAt": "2020-01-01T00:00:00Z"}
    )
    base = api.counts()
    for code in codes[:3]:
        assert api.redeem("summer-promo", {"code": code, "userId": "u"}).status_code == 200
    app.state.codes.revoke_code(codes[3])
    app.state.codes.revoke_code(codes[0])  # a redeemed code revoked afterwards counts as revoked
    counts = api.counts()
    assert counts["redeemedCodes"] == base["redeemedCodes"] + 2
    assert counts["revokedCodes"] == base["revokedCodes"] + 2
    assert counts["activeCodes"] == base["activeCodes"] - 4
    assert counts["expiredCodes"] == base["expiredCodes"]
    assert counts["totalCodes"] == base["totalCodes"]
    assert adds_up(counts)


def test_stats_count_a_past_expiry_as_expired_at_once(api: Api) -> None:
    before = api.counts()
    body = {"slug": "summer-promo", "batchSize": 9, "pointsValue": 5, "expiresAt": "2020-01-01T00:00:00Z"}
    api.generated(body=body)
    after = api.counts()
    assert after["expiredCodes"] == before["expiredCodes"] + 9
    assert after["activeCodes"] == before["activeCodes"]


def test_stats_of_an_empty_campaign_are_zero(api: Api) -> None:
    assert api.counts("winter-sale", secret="sk_test_globex_mock_secret") == dict.fromkeys(
        ("totalCodes", *STATUS_COUNTS, "totalBatches"), 0
    )


@pytest.mark.parametrize(
    ("secret", "query", "status", "message"),
    [
        ("sk_test_acme_mock_secret", {"slug": "no-such-campaign"}, 404, "Campaign not found"),
        ("sk_test_globex_mock_secret", {"slug": "summer-promo"}, 404, "Campaign not found"),
        ("sk_live_acme_mock_secret", {"slug": "spring-launch"}, 404, "Campaign not found"),
        ("sk_test_acme_mock_secret", {}, 400, "Invalid request body"),
        ("sk_test_acme_mock_secret", {"slug": ""}, 400, "Invalid request body"),
        (None, {"slug": "summer-promo"}, 401, "Missing X-API-Secret header"),
        ("sk_test_acme_revoked_secret", {"slug": "summer-promo"}, 403, "API key has been revoked"),
    ],
)
def test_stats_errors(api: Api, secret: str | None, query: dict[str, str], status: int, message: str) -> None:
    response = api.stats(secret, **query)
    assert (response.status_code, response.json()["message"]) == (status, message)


def test_stats_over_real_http_match_what_was_generated(live_api: Api) -> None:
    before = live_api.counts()
    live_api.generated(body={"slug": "summer-promo", "batchSize": 12, "pointsValue": 5})
    after = live_api.counts()
    assert after["totalCodes"] - before["totalCodes"] == 12
    assert adds_up(after)
