"""The Starlette application: routes compiled from openapi.yaml, every error as the D1 envelope.

Beside the GamifyHost routes it serves its own surface (D10): the admin API under `/__mock/`,
`/openapi.yaml` and `/docs`.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from .admin import ADMIN_ROUTES
from .backend import CodesBackend
from .codes import Randomness
from .docs_page import docs_routes
from .domain import Clock
from .errors import ApiError
from .faults import Faults
from .fixtures import build_backend, load_fixtures
from .journal import OWN_PATHS, Journal
from .operations import OPERATIONS, Call
from .spec import SPEC_PATH, Operation, Spec, load_spec
from .state import MockState
from .state_file import StateSaver
from .timestamps import parse_timestamp
from .wire import error_envelope, error_response, read_json_body, send_json, success_envelope

logger = logging.getLogger("mockserver")
INTERNAL_ERROR = "Internal server error"


class OperationEndpoint:
    """One operation as a plain ASGI app, checks in a fixed order: faults, auth, body, query, act.

    It answers every request itself, its errors as D1 envelopes, and returns the status sent:
    `MockApp` calls it directly, without Starlette's routing and middleware, which would cost
    more per request than the whole of listing a page of batches.
    """

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.handle = OPERATIONS[operation.operation_id]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> int:
        try:
            data = await self.act(scope, receive)
        except Exception as caught:
            error = answer_to(caught)
            await send_json(send, error.status, error_envelope(error.status, error.message), error.headers)
            return error.status
        await send_json(send, 200, success_envelope(data))
        return 200

    async def act(self, scope: Scope, receive: Receive) -> Any:
        """The `data` of the success envelope, or an `ApiError`."""
        state = scope["app"].state
        # The first of each header counts, as with Starlette's `Headers.get`.
        headers = dict(reversed(scope["headers"]))
        if b"prefer" in headers or not state.faults.idle:
            prefer = [value.decode("latin-1") for name, value in scope["headers"] if name == b"prefer"]
            await state.faults.apply(prefer)
        secret = headers.get(b"x-api-secret")
        principal = state.backend.authenticate(None if secret is None else secret.decode("latin-1"))
        operation = self.operation
        body = {}
        if operation.body is not None:
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            content_length = headers.get(b"content-length", b"").decode("latin-1")
            body = operation.body.validate(await read_json_body(receive, content_type, content_length))
        query = operation.read_query(scope["query_string"])
        path = operation.read_path(scope["path_params"]) if operation.path_parameters else {}
        return self.handle(Call(state.backend, principal, body, query, path, state.fixtures.public_base_url))


class MockApp(Starlette):
    """Starlette, with the GamifyHost operations answered before its routing, and journalled.

    A request whose method and path name an operation exactly goes straight to its endpoint;
    everything else (a path parameter, HEAD, a wrong method or path, the mock's own surface)
    takes Starlette's way, with the same endpoints behind its routes.
    """

    def __init__(self, *args: Any, state: MockState, journalled: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = state  # type: ignore[assignment]
        self.journal = state.journal if journalled else None
        self.operations: dict[tuple[str, str], OperationEndpoint] = {
            (route.endpoint.operation.method, route.path): route.endpoint
            for route in self.routes
            if isinstance(route, Route) and isinstance(route.endpoint, OperationEndpoint)
            if not route.param_convertors
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(OWN_PATHS):
            await super().__call__(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if it fails before it answers
        try:
            endpoint = self.operations.get((scope["method"], scope["path"]))
            if endpoint is not None:
                scope["app"] = self
                status = await endpoint(scope, receive, send)
            else:

                async def send_and_note(message: Message) -> None:
                    nonlocal status
                    if message["type"] == "http.response.start":
                        status = message["status"]
                    await send(message)

                await super().__call__(scope, receive, send_and_note)
        finally:
            if self.journal is not None:
                self.journal.record(scope, status, (time.perf_counter() - started) * 1000)


def routes(spec: Spec) -> list[Route]:
    missing = set(spec.operations) - set(OPERATIONS)
    if missing:
        raise ValueError(f"openapi.yaml has operations the mock does not implement: {sorted(missing)}")
    return [
        Route(op.path, OperationEndpoint(op), methods=[op.method], name=op.operation_id)
        for op in spec.operations.values()
    ]


def answer_to(caught: Exception) -> ApiError:
    """The error a request is answered with: an ApiError as it is, anything else a logged 500."""
    if isinstance(caught, ApiError):
        return caught
    logger.error("unexpected error", exc_info=caught)
    return ApiError(INTERNAL_ERROR)


async def on_error(_request: Request, caught: Exception) -> Response:
    error = answer_to(caught)
    return error_response(error.status, error.message, error.headers)


async def on_http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, error.detail, error.headers)


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
) -> MockApp:
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

    state = MockState(
        spec=spec,
        fixtures=loaded,
        new_backend=new_backend,
        backend=new_backend(clock, randomness),
        faults=faults,
        journal=Journal(now=lambda: state.backend.clock.timestamp()),
    )
    if state_file is not None:
        state.saver = StateSaver(Path(state_file), lambda: state.backend)
    own_routes: list[BaseRoute] = [*(ADMIN_ROUTES if admin else ()), *docs_routes(spec_yaml)]
    app = MockApp(
        routes=[*routes(spec), *own_routes],
        state=state,
        journalled=admin,
        exception_handlers={
            ApiError: on_error,
            HTTPException: on_http_error,
            Exception: on_error,
        },
        lifespan=state.saver.lifespan if state.saver else None,
    )
    # A trailing slash is a wrong URL here: a 404 envelope, not a redirect an integrator never sees.
    app.router.redirect_slashes = False
    if state.saver:
        state.saver.load()
    return app


def _instant(moment: datetime | str | None) -> datetime | None:
    return parse_timestamp(moment) if isinstance(moment, str) else moment
