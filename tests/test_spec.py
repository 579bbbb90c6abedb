"""openapi.yaml itself: a valid OpenAPI 3.1 document, true to the docs, and matched by the app's routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from mockserver import create_app

SPEC = yaml.safe_load((Path(__file__).resolve().parents[1] / "openapi.yaml").read_text(encoding="utf-8"))
GENERATE = "/v1/campaigns/codes/generate"
BATCHES = "/v1/campaigns/codes/batches"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def spec_examples(node: Any, pointer: str = "") -> list[tuple[str, str, Any]]:
    """(where the example is, where its schema is, the example) for every example in the spec."""
    found: list[tuple[str, str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list):  # a schema's own examples
            found += [(f"{pointer}/examples/{i}", pointer, value) for i, value in enumerate(node["examples"])]
        if "schema" in node and "example" in node:  # a media type or a parameter
            found.append((f"{pointer}/example", f"{pointer}/schema", node["example"]))
        if "schema" in node and isinstance(node.get("examples"), dict):
            found += [
                (f"{pointer}/examples/{name}", f"{pointer}/schema", example["value"])
                for name, example in node["examples"].items()
            ]
        for key, value in node.items():
            found += spec_examples(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += spec_examples(value, f"{pointer}/{i}")
    return found


EXAMPLES = spec_examples(SPEC)


def operation(operation_id: str) -> dict[str, Any]:
    return next(
        op
        for item in SPEC["paths"].values()
        for method, op in item.items()
        if method in HTTP_METHODS and op["operationId"] == operation_id
    )


def response_examples(operation_id: str, status: int) -> list[Any]:
    response = operation(operation_id)["responses"][str(status)]
    if "$ref" in response:
        response = SPEC["components"]["responses"][response["$ref"].rpartition("/")[2]]
    media = response["content"]["application/json"]
    named = [example["value"] for example in media.get("examples", {}).values()]
    return [media["example"], *named] if "example" in media else named


def test_openapi_document_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def is_own_surface(path: str) -> bool:
    """D10: the mock's own routes, outside the GamifyHost contract (admin API, docs, the spec file, and
    `/`, which leads to the dashboard or the docs)."""
    return path.startswith(("/__mock/", "/docs")) or path in ("/openapi.yaml", "/")


def gamifyhost_routes(app: Any) -> list[Any]:
    """Starlette's routes of the API: none, the dispatch answers every operation."""
    return [route for route in app.routes if not is_own_surface(route.path)]


OPERATION_IDS = {
    op["operationId"] for item in SPEC["paths"].values() for m, op in item.items() if m in HTTP_METHODS
}


@pytest.mark.parametrize("admin", [True, False])
def test_every_operation_id_is_dispatched_and_back(admin: bool) -> None:
    app = create_app(admin=admin)
    assert {endpoint.operation.operation_id for _m, _p, endpoint in app.dispatch.served()} == OPERATION_IDS
    assert gamifyhost_routes(app) == []  # Starlette serves only the mock's own surface


def test_no_spec_path_is_taken_by_the_mocks_own_surface() -> None:
    assert [path for path in SPEC["paths"] if is_own_surface(path)] == []
    assert all(path.startswith("/v1/") for _method, path, _endpoint in create_app().dispatch.served())


def test_app_routes_serve_the_spec_paths_and_methods() -> None:
    documented = {
        (path, method.upper())
        for path, item in SPEC["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    served = {
        (path, method) for method, path, _endpoint in create_app().dispatch.served() if method != "HEAD"
    }
    assert served == documented


def test_spec_holds_the_docs_examples() -> None:
    where = {pointer for pointer, _schema, _value in EXAMPLES}
    assert f"/paths/{_escape(GENERATE)}/post/requestBody/content/application~1json/examples/docs" in where
    assert f"/paths/{_escape(GENERATE)}/post/responses/200/content/application~1json/examples/docs" in where
    assert f"/paths/{_escape(BATCHES)}/get/responses/200/content/application~1json/examples/docs" in where
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize(("where", "schema_pointer", "value"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_spec_example_validates_against_its_schema(
    contract: Any, where: str, schema_pointer: str, value: Any
):
    errors = [error.message for error in contract.validator(schema_pointer).iter_errors(value)]
    assert errors == [], f"{where}: {errors}"


def test_generate_request_example_is_the_docs_curl_body_but_for_size_and_expiry() -> None:
    # Three codes, so the answer's example shows them all; an expiry that has not passed.
    media = operation("generateCodes")["requestBody"]["content"]["application/json"]
    assert media["examples"]["docs"]["value"] == {
        "slug": "summer-promo",
        "batchSize": 3,
        "pointsValue": 500,
        "label": "In-store promo cards",
        "expiresAt": "2099-12-31T23:59:59Z",
    }


@pytest.mark.parametrize(
    ("operation_id", "status", "message"),
    [
        ("generateCodes", 400, "batchSize must be between 1 and 10000"),
        ("generateCodes", 400, "pointsValue must be positive"),
        ("generateCodes", 404, "Campaign not found"),
        ("listCodeBatches", 404, "Campaign not found"),
        *[
            (operation_id, status, message)
            for operation_id in ("generateCodes", "listCodeBatches")
            for status, message in [
                (401, "Missing X-API-Secret header"),
                (401, "Invalid API key"),
                (403, "API key has been revoked"),
                (403, "Application is not active"),
            ]
        ],
    ],
)
def test_docs_error_message_is_an_example_of_its_status(operation_id: str, status: int, message: str) -> None:
    examples = response_examples(operation_id, status)
    assert {"status": "error", "code": status, "message": message} in examples


def test_generate_200_links_to_the_list_and_to_redeeming_a_code_of_the_batch() -> None:
    links = operation("generateCodes")["responses"]["200"]["links"].values()
    assert any(
        link.get("operationId") == "listCodeBatches"
        and link.get("parameters", {}).get("slug") == "$request.body#/slug"
        for link in links
    )
    assert any(
        link.get("operationId") == "redeemCode"
        and link.get("parameters", {}).get("slug") == "$request.body#/slug"
        and link.get("requestBody", {}).get("code") == "$response.body#/data/codes/0"
        for link in links
    )


# The response check of conftest.py must itself catch broken responses: planted bugs.
GOOD_BATCH = {
    "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
    "batchSize": 50,
    "pointsValue": 200,
    "label": None,
    "expiresAt": None,
    "createdAt": "2025-07-10T14:30:00Z",
}


def listing(**batch_changes: Any) -> bytes:
    batch = {**GOOD_BATCH, **batch_changes}
    return json.dumps(
        {"status": "success", "data": {"batches": [batch], "total": 1, "page": 1, "limit": 20}}
    ).encode()


def test_response_check_accepts_a_conforming_listing(contract: Any) -> None:
    contract.check("GET", BATCHES, 200, "application/json", listing())


@pytest.mark.parametrize(
    ("method", "path", "status", "content_type", "content"),
    [
        pytest.param("GET", BATCHES, 201, "application/json", listing(), id="undocumented-status"),
        pytest.param("GET", BATCHES, 200, "text/plain", listing(), id="not-json-content-type"),
        pytest.param(
            "GET", BATCHES, 200, "application/json", listing(codes=["SUMM-AX7K9M2P"]), id="extra-key"
        ),
        pytest.param("GET", BATCHES, 200, "application/json", listing(id="not-a-uuid"), id="bad-uuid"),
        pytest.param(
            "GET",
            BATCHES,
            200,
            "application/json",
            listing(createdAt="2025-07-10T16:30:00+02:00"),
            id="offset",
        ),
        pytest.param(
            "GET",
            BATCHES,
            200,
            "application/json",
            listing(createdAt="2025-07-10T14:30:00.5Z"),
            id="fraction",
        ),
        pytest.param(
            "GET", BATCHES, 200, "application/json", listing(createdAt="2025-13-10T14:30:00Z"), id="month"
        ),
        pytest.param(
            "GET", BATCHES, 404, "application/json", b'{"status":"error","code":400,"message":"x"}', id="code"
        ),
        pytest.param("GET", "/v1/nowhere", 200, "application/json", listing(), id="unknown-route-200"),
        pytest.param(
            "DELETE", BATCHES, 404, "application/json", b'{"status":"error","code":404,"message":"x"}'
        ),
        pytest.param(
            "GET", "/v1/nowhere", 404, "application/json", b'{"detail":"Not Found"}', id="not-envelope"
        ),
    ],
)
def test_response_check_rejects_a_broken_response(
    contract: Any, method: str, path: str, status: int, content_type: str, content: bytes
) -> None:
    with pytest.raises(AssertionError):
        contract.check(method, path, status, content_type, content)
