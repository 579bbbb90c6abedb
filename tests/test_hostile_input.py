"""Hostile input, in-process: every request below gets a 4xx in the D1 envelope and changes nothing.

One table over the five operations, on every store: malformed and truncated JSON, bodies that are not objects,
non-integers where integers belong, nesting far past any parser's depth, invalid UTF-8 and lone
surrogates, wrong content types, odd and repeated query parameters, absurd pages and limits,
odd headers. The same requests over real HTTP, where a client library cannot send the bytes,
are in test_hostile_http.py; the D4 and D6 validation tables are in test_generate.py and
test_batches.py.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import pytest
from helpers_kit import ACME_TEST, BATCHES, GENERATE, REDEEM, STATS, VERIFY

pytestmark = pytest.mark.every_store

Api = Any  # the `api` fixture of conftest.py
INVALID = "Invalid request body"
BATCH_SIZE = "batchSize must be between 1 and 10000"
POINTS = "pointsValue must be positive"
NOT_JSON = "Content-Type must be application/json"
NO_CAMPAIGN = "Campaign not found"
BAD_KEY = "Invalid API key"
BAD_CODE_PREFERENCE = "Invalid Prefer header: code must be an HTTP error status, 400 to 599"
BAD_DELAY_PREFERENCE = "Invalid Prefer header: delay must be 0 to 30000 milliseconds"
CODE = b"{CODE}"  # replaced by a redeemable code: a request that slipped through would redeem it
GOOD_GENERATE = b'"slug": "summer-promo", "batchSize": 5, "pointsValue": 5'
VALID_GENERATE = b"{" + GOOD_GENERATE + b"}"
DIGITS = b"9" * 5000


class Hostile(NamedTuple):
    method: str
    path: str
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, Any] = {}  # noqa: RUF012 - never mutated


def generate(body: bytes, content_type: str | None = "application/json") -> Hostile:
    return Hostile("POST", GENERATE, body, content_type)


def generate_with(field: bytes, content_type: str | None = "application/json") -> Hostile:
    """A valid generate body with `field` added last (a repeated key: the last one wins)."""
    return generate(b"{" + GOOD_GENERATE + b", " + field + b"}", content_type)


def generate_slug(raw: bytes) -> Hostile:
    return generate(b'{"slug": "' + raw + b'", "batchSize": 5, "pointsValue": 5}')


def verify(body: bytes, content_type: str | None = "application/json", **headers: Any) -> Hostile:
    return Hostile("POST", VERIFY, body, content_type, headers)


def redeem(body: bytes, path: str = REDEEM, content_type: str | None = "application/json") -> Hostile:
    return Hostile("POST", path, body, content_type)


def listing(query: str, **headers: Any) -> Hostile:
    return Hostile("GET", f"{BATCHES}?{query}", b"", None, headers)


def stats(query: str, **headers: Any) -> Hostile:
    return Hostile("GET", f"{STATS}?{query}", b"", None, headers)


def nested(depth: int, inner: bytes = b"1") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def redeem_body(user_id: bytes, code: bytes = b'"' + CODE + b'"') -> bytes:
    return b'{"code": ' + code + b', "userId": ' + user_id + b"}"


HOSTILE = [
    # generate: broken JSON, bodies that are not objects
    pytest.param(
        generate(b'{"slug": "summer-promo", "batchSize": 5'), 400, INVALID, id="gen-truncated-object"
    ),
    pytest.param(generate(b'{"slug": "summ'), 400, INVALID, id="gen-truncated-string"),
    pytest.param(generate(b"{"), 400, INVALID, id="gen-lone-brace"),
    pytest.param(generate(b"true"), 400, INVALID, id="gen-body-true"),
    pytest.param(generate(b"1.5"), 400, INVALID, id="gen-body-float"),
    # generate: what is not an integer where integers belong
    pytest.param(generate_with(b'"batchSize": NaN'), 400, INVALID, id="gen-batchSize-NaN"),
    pytest.param(generate_with(b'"batchSize": Infinity'), 400, INVALID, id="gen-Infinity"),
    pytest.param(generate_with(b'"batchSize": -Infinity'), 400, INVALID, id="gen--Infinity"),
    pytest.param(generate_with(b'"batchSize": 1e400'), 400, INVALID, id="gen-batchSize-1e400"),
    pytest.param(
        generate_with(b'"batchSize": ' + DIGITS),
        400,
        INVALID,
        id="gen-5000-digits",
    ),
    pytest.param(
        generate_with(b'"batchSize": 18446744073709551616'),
        400,
        BATCH_SIZE,
        id="gen-2**64",
    ),
    pytest.param(generate_with(b'"batchSize": 1e5'), 400, BATCH_SIZE, id="gen-batchSize-1e5"),
    pytest.param(generate_with(b'"batchSize": -0'), 400, BATCH_SIZE, id="gen-batchSize-minus-0"),
    pytest.param(
        generate_with(b'"pointsValue": 1' + b"0" * 30),
        400,
        INVALID,  # D4: above 2147483647
        id="gen-points-1e30",
    ),
    pytest.param(
        generate_with(b'"batchSize": 0'),
        400,
        BATCH_SIZE,
        id="gen-repeated-key-last-wins",
    ),
    # generate: nesting past the parser's depth
    pytest.param(generate(nested(5000)), 400, INVALID, id="gen-5000-levels"),
    pytest.param(generate(nested(100_000)), 400, INVALID, id="gen-100000-levels"),
    pytest.param(
        generate_with(b'"label": ' + nested(5000)),
        400,
        INVALID,
        id="gen-deep-label",
    ),
    # generate: text that is not UTF-8, or not a character
    pytest.param(
        generate_slug(b"\xff\xfe"),
        400,
        INVALID,
        id="gen-invalid-utf8",
    ),
    pytest.param(
        generate_slug(b"\xc0\xaf"),
        400,
        INVALID,
        id="gen-overlong-utf8",
    ),
    pytest.param(generate_with(b'"label": "\\ud800"'), 400, INVALID, id="gen-escaped-surrogate"),
    pytest.param(
        generate_slug(b"\xed\xa0\x80"),
        400,
        INVALID,
        id="gen-raw-surrogate",
    ),
    pytest.param(generate(VALID_GENERATE.decode().encode("utf-16")), 400, INVALID, id="gen-utf16"),
    pytest.param(generate(b"\xef\xbb\xbf" + VALID_GENERATE), 400, INVALID, id="gen-utf8-bom"),
    pytest.param(generate(b"{" + GOOD_GENERATE + b"\x00}"), 400, INVALID, id="gen-nul-byte"),
    # NUL in a string is valid JSON: a slug holding one names no campaign, in any store
    pytest.param(generate_slug(b"summer-promo\\u0000"), 404, NO_CAMPAIGN, id="gen-slug-nul"),
    # generate: content types
    pytest.param(generate(VALID_GENERATE, "application/javascript"), 415, NOT_JSON, id="gen-js-type"),
    pytest.param(generate(VALID_GENERATE, "multipart/form-data"), 415, NOT_JSON, id="gen-multipart"),
    pytest.param(generate(VALID_GENERATE, "application/" + "x" * 5000), 415, NOT_JSON, id="gen-long-type"),
    pytest.param(
        generate(b"slug=summer-promo&batchSize=5&pointsValue=5"), 400, INVALID, id="gen-form-as-json"
    ),
    # verify
    pytest.param(verify(b'"SUMM-AX7K9M2P"'), 400, INVALID, id="verify-body-string"),
    pytest.param(verify(b"null"), 400, INVALID, id="verify-body-null"),
    pytest.param(verify(b'{"code": {"$ne": null}}'), 400, INVALID, id="verify-operator-object"),
    pytest.param(verify(b'{"code": 1e999}'), 400, INVALID, id="verify-code-1e999"),
    pytest.param(verify(b'{"code": "\\udfff"}'), 400, INVALID, id="verify-escaped-surrogate"),
    pytest.param(verify(b'{"code": "SUMM-\xff"}'), 400, INVALID, id="verify-invalid-utf8"),
    pytest.param(verify(b'{"code": ' + nested(5000, b'"x"') + b"}"), 400, INVALID, id="verify-5000-levels"),
    pytest.param(verify(b'{"code": "x"} x'), 400, INVALID, id="verify-trailing-garbage"),
    pytest.param(verify(b"code=x", "application/x-www-form-urlencoded"), 415, NOT_JSON, id="verify-form"),
    pytest.param(
        verify(b'{"code": "x"}', prefer=f"code={DIGITS.decode()}"),
        400,
        BAD_CODE_PREFERENCE,
        id="verify-prefer-huge",
    ),
    # redeem, around a code that would be redeemed if anything slipped through
    pytest.param(redeem(redeem_body(b"NaN")), 400, INVALID, id="redeem-userId-NaN"),
    pytest.param(redeem(redeem_body(b"1e400")), 400, INVALID, id="redeem-userId-1e400"),
    pytest.param(redeem(redeem_body(b'"\\ud800"')), 400, INVALID, id="redeem-userId-surrogate"),
    pytest.param(
        redeem(redeem_body(b'"u"', b'"' + CODE + b'\\udc00"')), 400, INVALID, id="redeem-code-surrogate"
    ),
    pytest.param(redeem(redeem_body(b'"\xff"')), 400, INVALID, id="redeem-userId-invalid-utf8"),
    pytest.param(redeem(redeem_body(nested(5000, b'"u"'))), 400, INVALID, id="redeem-5000-levels"),
    pytest.param(redeem(redeem_body(b'"u"')[:-2]), 400, INVALID, id="redeem-truncated"),
    pytest.param(redeem(b"[" + redeem_body(b'"u"') + b"]"), 400, INVALID, id="redeem-body-array"),
    pytest.param(redeem(redeem_body(b'"u", "userId": {}')), 400, INVALID, id="redeem-repeated-key-last-wins"),
    pytest.param(redeem(redeem_body(b'"u"'), content_type=None), 415, NOT_JSON, id="redeem-no-type"),
    pytest.param(
        redeem(redeem_body(b'"u"'), "/v1/campaigns/%FF/redeem"), 404, NO_CAMPAIGN, id="redeem-slug-bad-utf8"
    ),
    pytest.param(
        redeem(redeem_body(b'"u"'), "/v1/campaigns/%ED%A0%80/redeem"),
        404,
        NO_CAMPAIGN,
        id="redeem-slug-surrogate",
    ),
    pytest.param(
        redeem(redeem_body(b'"u"'), "/v1/campaigns/summer-promo%00/redeem"),
        404,
        NO_CAMPAIGN,
        id="redeem-slug-nul",
    ),
    pytest.param(
        redeem(redeem_body(b'"u"'), f"/v1/campaigns/{'s' * 8000}/redeem"),
        404,
        NO_CAMPAIGN,
        id="redeem-slug-8k",
    ),
    # list batches: absurd pages and limits, odd parameters
    pytest.param(listing("slug=summer-promo&page=NaN"), 400, INVALID, id="list-page-NaN"),
    pytest.param(listing("slug=summer-promo&page=Infinity"), 400, INVALID, id="list-page-Infinity"),
    pytest.param(listing("slug=summer-promo&page=1e3"), 400, INVALID, id="list-page-1e3"),
    pytest.param(listing("slug=summer-promo&page=9223372036854775808"), 400, INVALID, id="list-page-2**63"),
    pytest.param(listing("slug=summer-promo&page=" + "9" * 5000), 400, INVALID, id="list-page-5000-digits"),
    pytest.param(listing("slug=summer-promo&page=%EF%BC%91"), 400, INVALID, id="list-page-fullwidth-1"),
    pytest.param(listing("slug=summer-promo&limit=%2B5"), 400, INVALID, id="list-limit-plus-5"),
    pytest.param(listing("slug=summer-promo&limit=-0"), 400, INVALID, id="list-limit-minus-0"),
    pytest.param(listing("slug=summer-promo&page=1%00"), 400, INVALID, id="list-page-nul"),
    pytest.param(listing("slug=summer-promo&page=1&page=1"), 400, INVALID, id="list-page-twice-same"),
    pytest.param(listing("slug[]=summer-promo"), 400, INVALID, id="list-slug-as-array"),
    pytest.param(listing("slug=%FF%FE"), 404, NO_CAMPAIGN, id="list-slug-bad-utf8"),
    pytest.param(listing("slug=summer-promo%00"), 404, NO_CAMPAIGN, id="list-slug-nul"),
    pytest.param(
        listing("slug=summer-promo", prefer="delay=" + "9" * 5000),
        400,
        BAD_DELAY_PREFERENCE,
        id="list-prefer",
    ),
    # stats
    pytest.param(stats("SLUG=summer-promo"), 400, INVALID, id="stats-slug-upper-name"),
    pytest.param(stats("slug=summer-promo&slug=summer-promo"), 400, INVALID, id="stats-slug-twice"),
    pytest.param(stats("slug=%ED%A0%80"), 404, NO_CAMPAIGN, id="stats-slug-surrogate"),
    pytest.param(stats("slug=summer-promo%00"), 404, NO_CAMPAIGN, id="stats-slug-nul"),
    pytest.param(stats("slug=" + "s" * 8000), 404, NO_CAMPAIGN, id="stats-slug-8k"),
    pytest.param(
        stats("slug=summer-promo", **{"X-API-Secret": b"sk_test_\xff\xfe"}),
        401,
        BAD_KEY,
        id="stats-secret-latin1",
    ),
    pytest.param(
        stats("slug=summer-promo", **{"X-API-Secret": "sk_test_" + "a" * 8000}),
        401,
        BAD_KEY,
        id="stats-secret-8k",
    ),
    pytest.param(
        stats("slug=summer-promo", prefer="code=4" + "0" * 5000), 400, BAD_CODE_PREFERENCE, id="stats-prefer"
    ),
]


@pytest.fixture
def redeemable(api: Api) -> str:
    """A fresh ACTIVE code of summer-promo: any hostile redeem that went through would spend it."""
    return api.generated(body={"slug": "summer-promo", "batchSize": 1, "pointsValue": 9})["codes"][0]


def observed(api: Api, app: Any, code: str) -> tuple[Any, ...]:
    """What a partner and the store show: enough to see any write."""
    backend = app.state.codes
    return (backend.code_count, api.counts(), api.all_batches(), api.verdict(code))


def send(client: Any, request: Hostile, code: str) -> Any:
    headers: dict[str, Any] = {"X-API-Secret": ACME_TEST, **request.headers}
    if request.content_type is not None:
        headers["Content-Type"] = request.content_type
    body = request.body.replace(CODE, code.encode())
    return client.request(request.method, request.path, content=body, headers=headers)


def assert_refused(response: Any, status: int, message: str) -> None:
    """A 4xx in the D1 envelope with a JSON content type, and nothing of a traceback."""
    assert 400 <= status < 500
    assert response.headers["content-type"] == "application/json"
    assert (response.status_code, response.json()) == (
        status,
        {"status": "error", "code": status, "message": message},
    )
    assert "Traceback" not in response.text


def test_the_hostile_table_is_large_and_covers_every_operation() -> None:
    requests = [param.values[0] for param in HOSTILE]
    assert len(requests) >= 40
    assert {(r.method, r.path.partition("?")[0]) for r in requests} >= {
        ("POST", GENERATE),
        ("POST", VERIFY),
        ("POST", REDEEM),
        ("GET", BATCHES),
        ("GET", STATS),
    }


@pytest.mark.parametrize(("request_", "status", "message"), HOSTILE)
def test_hostile_request_gets_a_4xx_envelope_and_changes_nothing(
    client: Any,
    api: Api,
    app: Any,
    redeemable: str,
    caplog: pytest.LogCaptureFixture,
    request_: Hostile,
    status: int,
    message: str,
) -> None:
    before = observed(api, app, redeemable)
    with caplog.at_level(logging.WARNING):
        response = send(client, request_, redeemable)
    assert_refused(response, status, message)
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert observed(api, app, redeemable) == before
