"""One way in for every GamifyHost request: MockApp's dispatch finds the operation, whose
endpoint answers; Starlette serves only the mock's own surface. Each request here goes through
the app as uvicorn would call it, and the journal sees every GamifyHost request alike."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from helpers_kit import ACME_TEST, BATCHES, FIXTURE_CODE, FROZEN, GENERATE, REDEEM, STATS, VERIFY
from starlette.applications import Starlette

from mockserver.contract.fixtures import load_fixtures
from mockserver.domain.clock import Clock
from mockserver.domain.codes import Randomness
from mockserver.http.app import MockApp, assembled, contract, create_app, endpoints, mock_state, opened_codes
from mockserver.http.dispatch import Dispatch
from mockserver.http.faults import Faults

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
    "generate": (
        "POST",
        GENERATE,
        "",
        AS_JSON,
        json_body({"slug": "summer-promo", "batchSize": 5, "pointsValue": 9}),
    ),
    "verify": ("POST", VERIFY, "", AS_JSON, json_body({"code": FIXTURE_CODE.lower()})),
    "stats": ("GET", STATS, "slug=summer-promo", {"X-API-Secret": ACME_TEST}, b""),
    "redeem": ("POST", REDEEM, "", AS_JSON, json_body({"code": FIXTURE_CODE, "userId": "u-1"})),
}


def test_every_operation_is_found_by_method_and_path_and_its_parameters_read() -> None:
    app = fresh()
    for name, (method, path, *_rest) in REQUESTS.items():
        endpoint, parameters = app.dispatch.find(method, path)
        assert endpoint.operation.path.startswith("/v1/campaigns/"), name
    endpoint, parameters = app.dispatch.find("POST", "/v1/campaigns/spring launch/redeem")
    assert endpoint.operation.operation_id == "redeemCode" and parameters == {"slug": "spring launch"}
    assert app.dispatch.find("HEAD", BATCHES)[0] is app.dispatch.find("GET", BATCHES)[0]


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("DELETE", BATCHES, 405, {"GET", "HEAD"}),
        ("GET", REDEEM, 405, {"POST"}),
        ("GET", "/v1/campaigns/a/b/redeem", 404, None),
        ("POST", "/v1/campaigns//redeem", 404, None),
        ("GET", "/v1/nowhere", 404, None),
        ("GET", BATCHES + "/", 404, None),
    ],
)
def test_a_wrong_method_or_path_is_an_envelope(
    method: str, path: str, status: int, allow: set[str] | None
) -> None:
    answered, headers, content = call(fresh(), method, path, "", {"X-API-Secret": ACME_TEST})
    message = "Method Not Allowed" if status == 405 else "Not Found"
    assert (answered, json.loads(content)) == (
        status,
        {"status": "error", "code": status, "message": message},
    )
    allowed = dict(headers).get(b"allow")
    assert (None if allowed is None else {part.strip() for part in allowed.decode().split(",")}) == allow


def test_the_mocks_own_surface_is_starlettes_and_the_api_never_is(monkeypatch: pytest.MonkeyPatch) -> None:
    app = fresh()
    routed: list[str] = []
    real_route = Starlette.__call__

    async def spy(self: Starlette, scope: Any, receive: Any, send: Any) -> None:
        routed.append(scope["path"])
        await real_route(self, scope, receive, send)

    monkeypatch.setattr(Starlette, "__call__", spy)
    for request in REQUESTS.values():
        call(app, *request)
    call(app, "HEAD", BATCHES, "slug=summer-promo", {"X-API-Secret": ACME_TEST})
    call(app, "GET", "/v1/nowhere")
    assert routed == []
    assert call(app, "GET", "/__mock/health")[0] == 200 and call(app, "GET", "/openapi.yaml")[0] == 200
    assert routed == ["/__mock/health", "/openapi.yaml"]


def test_the_journal_records_every_api_request_and_not_the_mocks_own() -> None:
    app = fresh()
    call(app, *REQUESTS["list"])
    call(app, *REQUESTS["list without a secret"])
    call(app, "HEAD", BATCHES, "slug=summer-promo", {"X-API-Secret": ACME_TEST})
    call(app, "DELETE", BATCHES, "", {})
    call(app, "GET", "/v1/nowhere", "", {})
    call(app, *REQUESTS["redeem"])
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


def test_answers_end_with_their_length_and_type() -> None:
    for request in REQUESTS.values():
        _status, headers, content = call(fresh(), *request)
        assert headers[-2:] == [
            (b"content-length", str(len(content)).encode()),
            (b"content-type", b"application/json"),
        ]


def test_an_unexpected_error_is_a_500_envelope_logged_and_journalled(caplog: Any) -> None:
    app = fresh()

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    app.state.codes.list_batches = broken  # type: ignore[method-assign]
    status, _, content = call(app, *REQUESTS["list"])
    assert (status, json.loads(content)) == (
        500,
        {"status": "error", "code": 500, "message": "Internal server error"},
    )
    assert [record.message for record in caplog.records if record.name == "mockserver"] == [
        "unexpected error"
    ]
    assert [entry.status for entry in app.state.journal.entries()] == [500]


def test_without_the_admin_api_nothing_is_journalled_and_admin_paths_are_404() -> None:
    app = create_app(admin=False, seed=7, freeze_time=FROZEN)
    assert call(app, *REQUESTS["list"])[0] == 200
    assert call(app, "GET", "/__mock/requests")[0] == 404
    assert app.state.journal.entries() == []


def test_create_app_is_its_named_steps() -> None:
    """Each step can be called alone: the contract, the domain over an opened store, the state,
    the app over it; together they make what create_app makes."""
    spec, spec_yaml = contract(None)
    assert spec_yaml.startswith(b"openapi:") and "generateCodes" in spec.operations
    loaded = load_fixtures(None, spec)
    codes = opened_codes("memory", spec, loaded, Clock(), Randomness(7))
    assert codes.code_count == 190
    state = mock_state(spec, loaded, codes, Faults(0, 0.0, 7), None)
    assert {endpoint.operation.operation_id for endpoint in endpoints(state)} == set(spec.operations)
    app = assembled(state, spec_yaml)
    assert isinstance(app.dispatch, Dispatch)
    assert call(app, *REQUESTS["stats"])[0] == 200
