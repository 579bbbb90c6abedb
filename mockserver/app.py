"""The Starlette application: routes compiled from openapi.yaml, every error as the D1 envelope."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .codes import Randomness
from .domain import Clock
from .errors import INVALID_BODY, ApiError, BadRequest, PayloadTooLarge, UnsupportedMediaType
from .fixtures import build_backend, load_fixtures
from .operations import OPERATIONS, Call
from .spec import Operation, Spec, load_spec

MAX_BODY_BYTES = 1024 * 1024
logger = logging.getLogger("mockserver")


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "code": status, "message": message}, status, headers)


async def read_json(request: Request) -> Any:
    """The request's JSON body: 415 unless sent as JSON, 413 past the limit, 400 if malformed."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Content-Type must be application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise BadRequest(INVALID_BODY) from None


def endpoint(operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    """The route of one operation, checks in a fixed order: auth, body, query, then act."""
    handle = OPERATIONS[operation.operation_id]

    async def respond(request: Request) -> Response:
        state = request.app.state
        principal = state.backend.authenticate(request.headers.get("x-api-secret"))
        body = operation.body.validate(await read_json(request)) if operation.body else {}
        query = operation.read_query(request.query_params.multi_items())
        path = operation.read_path(request.path_params)
        data = handle(Call(state.backend, principal, body, query, path, state.fixtures.public_base_url))
        return JSONResponse({"status": "success", "data": data})

    return respond


def routes(spec: Spec) -> list[Route]:
    missing = set(spec.operations) - set(OPERATIONS)
    if missing:
        raise ValueError(f"openapi.yaml has operations the mock does not implement: {sorted(missing)}")
    return [
        Route(op.path, endpoint(op), methods=[op.method], name=op.operation_id)
        for op in spec.operations.values()
    ]


async def on_api_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.message, error.headers)


async def on_http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, error.detail, error.headers)


async def on_unexpected_error(_request: Request, error: Exception) -> Response:
    logger.error("unexpected error", exc_info=error)
    return error_response(500, "Internal server error")


def create_app(
    fixtures: Path | str | None = None,
    *,
    spec: Spec | None = None,
    clock: Clock | None = None,
    randomness: Randomness | None = None,
) -> Starlette:
    """The mock, serving `fixtures` (the bundled data set by default)."""
    spec = spec or load_spec()
    loaded = load_fixtures(Path(fixtures) if fixtures is not None else None, spec)
    app = Starlette(
        routes=routes(spec),
        exception_handlers={
            ApiError: on_api_error,
            HTTPException: on_http_error,
            Exception: on_unexpected_error,
        },
    )
    app.state.spec = spec
    app.state.fixtures = loaded
    app.state.backend = build_backend(loaded, spec, clock=clock, randomness=randomness)
    return app
