"""The Starlette application: routes compiled from openapi.yaml, every error as the D1 envelope.

Beside the GamifyHost routes it serves its own surface (D10): the admin API under `/__mock/`,
`/openapi.yaml` and `/docs`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from .admin import ADMIN_ROUTES
from .backend import CodesBackend
from .codes import Randomness
from .docs_page import docs_routes
from .domain import Clock
from .errors import ApiError
from .faults import Faults
from .fixtures import build_backend, load_fixtures
from .journal import Journal, JournalMiddleware
from .operations import OPERATIONS, Call
from .spec import SPEC_PATH, Operation, Spec, load_spec
from .state_file import StateSaver
from .timestamps import parse_timestamp
from .wire import error_response, read_json, success

logger = logging.getLogger("mockserver")


class OperationEndpoint:
    """One operation as a plain ASGI app, checks in a fixed order: faults, auth, body, query, act.

    A plain ASGI app rather than a request-response function: Starlette's wrapper of the latter
    costs more per request than the whole of listing a page of batches.
    """

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.handle = OPERATIONS[operation.operation_id]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state = request.app.state
        operation = self.operation
        await state.faults.apply(request.headers)
        principal = state.backend.authenticate(request.headers.get("x-api-secret"))
        body = operation.body.validate(await read_json(request)) if operation.body else {}
        query = operation.read_query(scope["query_string"])
        path = operation.read_path(scope["path_params"])
        data = self.handle(Call(state.backend, principal, body, query, path, state.fixtures.public_base_url))
        await success(data)(scope, receive, send)


def routes(spec: Spec) -> list[Route]:
    missing = set(spec.operations) - set(OPERATIONS)
    if missing:
        raise ValueError(f"openapi.yaml has operations the mock does not implement: {sorted(missing)}")
    return [
        Route(op.path, OperationEndpoint(op), methods=[op.method], name=op.operation_id)
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
    seed: int | None = None,
    freeze_time: datetime | str | None = None,
    latency_ms: int = 0,
    error_rate: float = 0.0,
    admin: bool = True,
    state_file: Path | str | None = None,
) -> Starlette:
    """The mock, serving `fixtures` (the bundled data set by default).

    `seed` and `freeze_time` make codes, ids and timestamps reproducible (or pass a `randomness`
    and a `clock` of your own); the other options are those of the command line. The state file
    is written by the app's lifespan, which uvicorn runs (and TestClient used as a context manager).
    """
    if (clock is not None and freeze_time is not None) or (randomness is not None and seed is not None):
        raise ValueError("pass either clock or freeze_time, and either randomness or seed")
    frozen_at = clock.frozen_at if clock is not None else _instant(freeze_time)
    seed = randomness.seed if randomness is not None else seed
    faults = Faults(latency_ms, error_rate, seed)
    if spec is None:
        spec, spec_yaml = load_spec(), SPEC_PATH.read_bytes()
    else:
        spec_yaml = yaml.safe_dump(spec.document, sort_keys=False).encode()
    loaded = load_fixtures(Path(fixtures) if fixtures is not None else None, spec)

    def new_backend(clock: Clock | None = None, randomness: Randomness | None = None) -> CodesBackend:
        """A backend on the loaded fixtures: at start-up, and again at each reset."""
        return build_backend(
            loaded, spec, clock=clock or Clock(frozen_at), randomness=randomness or Randomness(seed)
        )

    saver = StateSaver(Path(state_file), lambda: app.state.backend) if state_file is not None else None
    journal = Journal(now=lambda: app.state.backend.clock.now())
    own_routes: list[BaseRoute] = [*(ADMIN_ROUTES if admin else ()), *docs_routes(spec_yaml)]
    app = Starlette(
        routes=[*routes(spec), *own_routes],
        middleware=[Middleware(JournalMiddleware, journal=journal)] if admin else [],
        exception_handlers={
            ApiError: on_api_error,
            HTTPException: on_http_error,
            Exception: on_unexpected_error,
        },
        lifespan=saver.lifespan if saver else None,
    )
    # A trailing slash is a wrong URL here: a 404 envelope, not a redirect an integrator never sees.
    app.router.redirect_slashes = False
    app.state.spec = spec
    app.state.fixtures = loaded
    app.state.new_backend = new_backend
    app.state.backend = new_backend(clock, randomness)
    app.state.faults = faults
    app.state.journal = journal
    app.state.saver = saver
    if saver:
        saver.load()
    return app


def _instant(moment: datetime | str | None) -> datetime | None:
    return parse_timestamp(moment) if isinstance(moment, str) else moment
