"""GET /v1/campaigns/codes/batches: D6's order, pagination, parameter checks, and metadata only."""

from __future__ import annotations

import math
from typing import Any

import pytest

pytestmark = pytest.mark.every_store

INVALID = "Invalid request body"
BATCH_KEYS = {"id", "campaignId", "batchSize", "pointsValue", "label", "expiresAt", "createdAt"}
DOCS_BATCHES = [
    {
        "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
        "batchSize": 100,
        "pointsValue": 500,
        "label": "In-store promo cards",
        "expiresAt": "2025-12-31T23:59:59Z",
        "createdAt": "2025-07-15T10:00:00Z",
    },
    {
        "id": "b2c3d4e5-f6a7-8901-bcde-f12345678901",
        "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
        "batchSize": 50,
        "pointsValue": 200,
        "label": "Email campaign July",
        "expiresAt": None,
        "createdAt": "2025-07-10T14:30:00Z",
    },
]


@pytest.fixture
def api(api_both_ways: Any) -> Any:
    """Every test here runs in process and over real HTTP against a fresh mock."""
    return api_both_ways


def assert_error(response: Any, status: int, message: str) -> None:
    assert (response.status_code, response.json()) == (
        status,
        {"status": "error", "code": status, "message": message},
    )


def test_default_listing_is_the_docs_example(api: Any) -> None:
    response = api.list_batches(slug="summer-promo")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"batches": DOCS_BATCHES, "total": 2, "page": 1, "limit": 20},
    }


def test_docs_request_with_page_and_limit_echoes_them(api: Any) -> None:
    data = api.list_batches(slug="summer-promo", page=1, limit=10).json()["data"]
    assert (data["batches"], data["total"], data["page"], data["limit"]) == (DOCS_BATCHES, 2, 1, 10)


def test_listing_is_newest_first_with_fixture_batches_in_docs_order_last(api: Any) -> None:
    for label in ("first", "second", "third"):
        api.generated(batchSize=1, label=label)
    labels = [batch["label"] for batch in api.all_batches()]
    assert labels == ["third", "second", "first", "In-store promo cards", "Email campaign July"]


@pytest.fixture
def twenty_five_batches(api: Any) -> list[dict[str, Any]]:
    """summer-promo with 23 generated batches on top of its 2 fixture batches, newest first."""
    generated = [api.generated(batchSize=1, label=f"batch {n}")["batch"] for n in range(23)]
    expected = generated[::-1] + DOCS_BATCHES
    assert api.all_batches() == expected
    return expected


@pytest.mark.parametrize("limit", range(1, 8))
def test_pages_together_hold_every_batch_once_in_order(
    api: Any, twenty_five_batches: list[dict[str, Any]], limit: int
) -> None:
    pages = math.ceil(25 / limit)
    seen: list[dict[str, Any]] = []
    for page in range(1, pages + 1):
        data = api.list_batches(slug="summer-promo", page=page, limit=limit).json()["data"]
        assert (data["total"], data["page"], data["limit"]) == (25, page, limit)
        assert len(data["batches"]) == (limit if page < pages else 25 - limit * (pages - 1))
        seen += data["batches"]
    assert seen == twenty_five_batches


@pytest.mark.parametrize(("page", "limit"), [(2, 25), (26, 1), (5, 7), (1000, 100), (10**15, 100)])
def test_page_past_the_end_is_empty_with_the_true_total(
    api: Any, twenty_five_batches: list[dict[str, Any]], page: int, limit: int
) -> None:
    response = api.list_batches(slug="summer-promo", page=page, limit=limit)
    assert response.status_code == 200
    assert response.json()["data"] == {"batches": [], "total": 25, "page": page, "limit": limit}


def test_limit_100_is_accepted(api: Any) -> None:
    data = api.list_batches(slug="summer-promo", limit=100).json()["data"]
    assert (data["batches"], data["limit"]) == (DOCS_BATCHES, 100)


def test_empty_campaign_lists_no_batches(api: Any) -> None:
    assert api.list_batches("sk_live_acme_mock_secret", slug="summer-promo").json()["data"] == {
        "batches": [],
        "total": 0,
        "page": 1,
        "limit": 20,
    }


BAD_VALUES = ["0", "-1", "abc", "1.5", "", "1e1", " 1", "0x1", "one"]


@pytest.mark.parametrize(
    "params",
    [
        *[
            pytest.param([("slug", "summer-promo"), ("page", value)], id=f"page={value!r}")
            for value in BAD_VALUES
        ],
        *[
            pytest.param([("slug", "summer-promo"), ("limit", value)], id=f"limit={value!r}")
            for value in BAD_VALUES
        ],
        pytest.param([("slug", "summer-promo"), ("limit", "101")], id="limit=101"),
        pytest.param([("slug", "summer-promo"), ("limit", "1000000")], id="limit=1000000"),
        pytest.param([("slug", "summer-promo"), ("page", "1"), ("page", "2")], id="page-repeated"),
        pytest.param([("slug", "summer-promo"), ("limit", "5"), ("limit", "5")], id="limit-repeated"),
        pytest.param([("page", "1")], id="slug-missing"),
        pytest.param([("slug", "")], id="slug-empty"),
        pytest.param([("slug", "summer-promo"), ("slug", "summer-promo")], id="slug-repeated"),
    ],
)
def test_listing_rejects_invalid_query_parameters(api: Any, params: list[tuple[str, str]]) -> None:
    assert_error(api.list_batches(params=params), 400, INVALID)


@pytest.mark.parametrize("slug", ["no-such-campaign", "Summer-Promo", "summer-promo ", "tps-reports"])
def test_listing_unknown_slug_is_campaign_not_found(api: Any, slug: str) -> None:
    assert_error(api.list_batches(slug=slug), 404, "Campaign not found")


def test_unknown_slug_with_invalid_page_is_a_400(api: Any) -> None:
    assert_error(api.list_batches(slug="no-such-campaign", page=0), 400, INVALID)


def test_listing_ignores_unknown_query_parameters(api: Any) -> None:
    response = api.list_batches(slug="summer-promo", sort="asc", codes="true")
    assert response.json()["data"]["batches"] == DOCS_BATCHES


def test_listed_batches_have_exactly_the_documented_keys_and_never_codes(api: Any) -> None:
    codes = api.generated()["codes"] + api.generated(batchSize=1, omit=("label",))["codes"]
    response = api.list_batches(slug="summer-promo", limit=100)
    batches = response.json()["data"]["batches"]
    assert len(batches) == 4
    assert all(set(batch) == BATCH_KEYS for batch in batches)
    text = response.text.upper()
    assert [code for code in codes if code in text or code[5:] in text] == []
    for known in ("SUMM-AX7K9M2P", "SUMM-BF3D8N4Q", "SUMM-CG5H2R6T"):  # the fixture's codes
        assert known not in text
