"""The fast way in (MockApp straight to an operation) answers exactly as Starlette's routing does.

MockApp hands a request whose method and path name an operation straight to its endpoint;
Starlette's router reaches the same endpoints for everything else. Each request here goes
both ways, to two mocks with the same seed and frozen clock, and the answers must be equal
byte for byte. The journal must see both ways alike.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from helpers_kit import ACME_TEST, BATCHES, FIXTURE_CODE, FROZEN, GENERATE, REDEEM, STATS, VERIFY
from starlette.applications import Starlette

from mockserver.http.app import MockApp, create_app

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def call(
    app: Any,
    method: str,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Answer:
    """One request through an ASGI callable; its status, raw headers and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(
        message.get("body", b"") for message in sent if message["type"] == "http.response.body"
    )
    return start["status"], list(start["headers"]), content


def fresh() -> MockApp:
    return create_app(seed=7, freeze_time=FROZEN)


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()


AS_JSON = {"X-API-Secret": ACME_TEST, "Content-Type": "application/json"}
REQUESTS = {
    "list": ("GET", BATCHES, "slug=summer-promo&limit=1", {"X-API-Secret": ACME_TEST}, b""),
    "list without a secret": ("GET", BATCHES, "slug=summer-promo", {}, b""),
    "list with a wrong secret": ("GET", BATCHES, "slug=summer-promo", {"X-API-Secret": "sk_test_nope"}, b""),
    "list with a bad limit": ("GET", BATCHES, "slug=summer-promo&limit=0", {"X-API-Secret": ACME_TEST}, b""),
    "list of an unknown campaign": ("GET", BATCHES, "slug=nope", {"X-API-Secret": ACME_TEST}, b""),
    "generate": (
        "POST",
        GENERATE,
        "",
        AS_JSON,
        json_body({"slug": "summer-promo", "batchSize": 5, "pointsValue": 9}),
    ),
    "generate as text": ("POST", GENERATE, "", {**AS_JSON, "Content-Type": "text/plain"}, b"{}"),
    "generate malformed": ("POST", GENERATE, "", AS_JSON, b'{"slug": '),
    "generate too many": (
        "POST",
        GENERATE,
        "",
        AS_JSON,
        json_body({"slug": "summer-promo", "batchSize": 10001, "pointsValue": 9}),
    ),
    "generate asked to fail": ("POST", GENERATE, "", {**AS_JSON, "Prefer": "code=503"}, b"{}"),
    "generate with a bad Prefer": ("POST", GENERATE, "", {**AS_JSON, "Prefer": "delay=-1"}, b"{}"),
    "verify": ("POST", VERIFY, "", AS_JSON, json_body({"code": FIXTURE_CODE.lower()})),
    "stats": ("GET", STATS, "slug=summer-promo", {"X-API-Secret": ACME_TEST}, b""),
    "redeem": ("POST", REDEEM, "", AS_JSON, json_body({"code": FIXTURE_CODE, "userId": "u-1"})),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_fast_way_and_the_routed_way_give_the_same_bytes(name: str) -> None:
    method, path, query, headers, body = REQUESTS[name]
    fast, routed = fresh(), fresh()
    assert (method, path) in fast.operations or path == REDEEM  # redeem has a path parameter: routed
    by_fast = call(fast, method, path, query, headers, body)
    by_router = call(lambda *asgi: Starlette.__call__(routed, *asgi), method, path, query, headers, body)
    assert by_fast == by_router
    assert by_fast[1][-2:] == [
        (b"content-length", str(len(by_fast[2])).encode()),
        (b"content-type", b"application/json"),
    ]


def test_state_changes_made_the_fast_way_show_the_routed_way() -> None:
    app = fresh()
    method, path, query, headers, body = REQUESTS["generate"]
    status, _, content = call(app, method, path, query, headers, body)
    assert status == 200
    batch_id = json.loads(content)["data"]["batch"]["id"]
    listing = ("GET", BATCHES, "slug=summer-promo&limit=100", {"X-API-Secret": ACME_TEST})
    routed = call(lambda *asgi: Starlette.__call__(app, *asgi), *listing)
    assert batch_id in [batch["id"] for batch in json.loads(routed[2])["data"]["batches"]]


def test_the_journal_records_requests_either_way_and_not_the_mocks_own() -> None:
    app = fresh()
    call(app, *REQUESTS["list"])  # fast
    call(app, *REQUESTS["list without a secret"])  # fast, refused
    call(app, "HEAD", BATCHES, "slug=summer-promo", {"X-API-Secret": ACME_TEST})  # routed
    call(app, "DELETE", BATCHES, "", {})  # routed: 405
    call(app, "GET", "/v1/nowhere", "", {})  # routed: 404
    call(app, *REQUESTS["redeem"])  # routed: a path parameter
    call(app, "GET", "/__mock/health", "", {})
    call(app, "GET", "/openapi.yaml", "", {})
    entries = app.state.journal.entries()
    assert [(entry.method, entry.path, entry.status) for entry in entries] == [
        ("GET", BATCHES, 200),
        ("GET", BATCHES, 401),
        ("HEAD", BATCHES, 200),
        ("DELETE", BATCHES, 405),
        ("GET", "/v1/nowhere", 404),
        ("POST", REDEEM, 200),
    ]
    assert entries[0].api_secret == "sk_test_****cret" and entries[1].api_secret is None
    assert all(entry.duration_ms >= 0 for entry in entries)


def test_an_unexpected_error_is_a_500_envelope_and_logged_either_way(caplog: Any) -> None:
    app = fresh()

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    app.state.codes.list_batches = broken  # type: ignore[method-assign]
    for way in (app, lambda *asgi: Starlette.__call__(app, *asgi)):
        status, _, content = call(way, *REQUESTS["list"])
        assert (status, json.loads(content)) == (
            500,
            {"status": "error", "code": 500, "message": "Internal server error"},
        )
    assert [record.message for record in caplog.records if record.name == "mockserver"] == [
        "unexpected error"
    ] * 2
    assert [entry.status for entry in app.state.journal.entries()] == [
        500
    ]  # the routed call is not journalled


def test_without_the_admin_api_operations_still_take_the_fast_way_and_nothing_is_journalled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_app(admin=False, seed=7, freeze_time=FROZEN)
    routed: list[str] = []
    real_route = Starlette.__call__

    async def spy(self: Starlette, scope: Any, receive: Any, send: Any) -> None:
        routed.append(scope["path"])
        await real_route(self, scope, receive, send)

    monkeypatch.setattr(Starlette, "__call__", spy)
    assert call(app, *REQUESTS["list"])[0] == 200
    assert call(app, "GET", "/__mock/requests")[0] == 404
    assert routed == ["/__mock/requests"]
    assert app.state.journal.entries() == []
