"""The Starlette application: routes compiled from openapi.yaml, every error as the D1 envelope.

Beside the GamifyHost routes it serves its own surface (D10): the admin API under `/__mock/`,
`/openapi.yaml` and `/docs`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from ..contract.fixtures import FixtureError, load_fixtures, plan_of
from ..contract.spec import SPEC_PATH, Operation, Spec, load_spec
from ..contract.timestamps import parse_timestamp
from ..domain.clock import Clock
from ..domain.codes import Randomness
from ..domain.errors import ApiError, ServiceUnavailable
from ..domain.ports import Store, StoreMismatch, StoreUnavailable
from ..domain.service import Codes
from ..stores import StoreError, open_store, sqlite_url
from .admin import ADMIN_ROUTES
from .admin_token import AdminToken
from .docs_page import docs_routes
from .faults import Faults
from .journal import OWN_PATHS, Journal
from .operations import OPERATIONS, WRITES, Call
from .state import MockState
from .wire import RequestBody, error_envelope, error_response, send_json, success_envelope

logger = logging.getLogger("mockserver")
INTERNAL_ERROR = "Internal server error"


class OperationEndpoint:
    """One operation as a plain ASGI app, checks in a fixed order: faults, auth, body, query, act.

    It answers every request itself, its errors as D1 envelopes, and returns the status sent:
    `MockApp` calls it directly, without Starlette's routing and middleware, which would cost
    more per request than the whole of listing a page of batches.

    On a shared store the request first takes up what other processes changed (awaited: on
    PostgreSQL, concurrent requests share one query). Reads are then answered from memory,
    here. A write to a store over a network (PostgreSQL) runs in a worker thread, so that its
    wait does not hold up the other requests; a local store (memory, SQLite) writes faster than
    a thread could be handed the work.
    """

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.handle = OPERATIONS[operation.operation_id]
        self.writes = operation.operation_id in WRITES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> int:
        # The first of each header counts, as with Starlette's `Headers.get`.
        headers = dict(reversed(scope["headers"]))
        incoming = RequestBody(
            receive,
            headers.get(b"content-length", b"").decode("latin-1"),
            headers.get(b"expect", b"").decode("latin-1"),
        )
        try:
            data = await self.act(scope, headers, incoming)
        except Exception as caught:
            error = answer_to(caught)
            await incoming.drain()  # so that a client still sending reads the answer
            await send_json(send, error.status, error_envelope(error.status, error.message), error.headers)
            return error.status
        await send_json(send, 200, success_envelope(data))
        return 200

    async def act(self, scope: Scope, headers: dict[bytes, bytes], incoming: RequestBody) -> Any:
        """The `data` of the success envelope, or an `ApiError`."""
        state = scope["app"].state
        if b"prefer" in headers or not state.faults.idle:
            prefer = [value.decode("latin-1") for name, value in scope["headers"] if name == b"prefer"]
            await state.faults.apply(prefer)
        secret = headers.get(b"x-api-secret")
        secret_text = None if secret is None else secret.decode("latin-1")
        codes: Codes = state.codes
        if codes.store.shared:
            await codes.refreshed()  # what other processes changed: batches, the clock, keys, ...
        if not (self.writes and codes.store.blocking):
            principal = codes.authenticate(secret_text)
            return self.done(state, scope, principal, await self.body(headers, incoming))
        # The body is read here, where reading waits without a thread; what it holds is only
        # judged after the secret, in the thread, so that errors keep their order (D2 first).
        body: Any
        try:
            body = await self.body(headers, incoming)
        except ApiError as refused:
            body = refused
        return await run_in_threadpool(self.checked, state, scope, secret_text, body)

    def checked(self, state: MockState, scope: Scope, secret: str | None, body: Any) -> Any:
        principal = state.codes.authenticate(secret)
        if isinstance(body, ApiError):
            raise body
        return self.done(state, scope, principal, body)

    async def body(self, headers: dict[bytes, bytes], incoming: RequestBody) -> Any:
        """The JSON body, validated against the spec ({} for an operation without one)."""
        if self.operation.body is None:
            return {}
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        return self.operation.body.validate(await incoming.json(content_type))

    def done(self, state: MockState, scope: Scope, principal: Any, body: Any) -> Any:
        operation = self.operation
        query = operation.read_query(scope["query_string"])
        path = operation.read_path(scope["path_params"]) if operation.path_parameters else {}
        return self.handle(Call(state.codes, principal, body, query, path, state.fixtures.public_base_url))


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
        if scope["type"] != "http" or scope["path"].startswith(OWN_PATHS) or scope["path"] == "/":
            guard = self.state.admin_token
            if guard is not None and scope["type"] == "http" and guard.guards(scope["path"]):
                refusal = guard.refusal(scope["headers"])
                if refusal is not None:
                    await guard.refuse(send, refusal)
                    return
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
    """The error a request is answered with: an ApiError as it is, a failed store a 503 that
    says so, anything else a logged 500."""
    if isinstance(caught, ApiError):
        return caught
    if isinstance(caught, StoreUnavailable):
        return ServiceUnavailable(caught.message)
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
    admin_token: str | None = None,
    store: str = "memory",
    state_file: Path | str | None = None,
) -> MockApp:
    """The mock, serving `fixtures` (the bundled data set by default) from `store`.

    `store` is what `--store` takes: `memory`, `sqlite:///PATH` (relative; four slashes for an
    absolute path) or `postgresql://...`; `state_file` names the SQLite file itself. With an
    `admin_token`, the admin API under `/__mock/` asks for it as a bearer token. `seed` and
    `freeze_time` make codes, ids and timestamps reproducible (or pass a `randomness` and a
    `clock` of your own); the other options are those of the command line. Raises FixtureError
    or StoreError when the mock cannot start.
    """
    if (clock is not None and freeze_time is not None) or (randomness is not None and seed is not None):
        raise ValueError("pass either clock or freeze_time, and either randomness or seed")
    if state_file is not None:
        if store != "memory":
            raise ValueError("pass either store or state_file (a SQLite file)")
        store = sqlite_url(state_file)
    guard = AdminToken(admin_token) if admin_token is not None else None
    frozen_at = clock.frozen_at if clock is not None else _instant(freeze_time)
    seed = randomness.seed if randomness is not None else seed
    faults = Faults(latency_ms, error_rate, seed)
    if spec is None:
        spec, spec_yaml = load_spec(), SPEC_PATH.read_bytes()
    else:
        spec_yaml = yaml.safe_dump(spec.document, sort_keys=False).encode()
    loaded = load_fixtures(Path(fixtures) if fixtures is not None else None, spec)
    opened = open_store(store)
    try:
        codes = Codes(
            opened,
            spec.code_format,
            plan_of(loaded),
            clock=clock or Clock(frozen_at),
            randomness=randomness or Randomness(seed),
        )
        codes.install()
    except StoreMismatch as mismatch:
        opened.close()
        raise StoreError(str(mismatch)) from None
    except ValueError as error:
        opened.close()
        raise FixtureError(f"{', '.join(map(str, loaded.sources))}: {error}") from None
    except BaseException:
        opened.close()
        raise
    state = MockState(
        spec=spec,
        fixtures=loaded,
        codes=codes,
        faults=faults,
        journal=Journal(now=lambda: codes.clock.timestamp()),
        admin_token=guard if admin else None,
    )
    own_routes: list[BaseRoute] = [*(ADMIN_ROUTES if admin else ()), *docs_routes(spec_yaml, admin=admin)]
    app = MockApp(
        routes=[*routes(spec), *own_routes],
        state=state,
        journalled=admin,
        exception_handlers={
            ApiError: on_error,
            HTTPException: on_http_error,
            Exception: on_error,
        },
        lifespan=_lifespan(opened),
    )
    # A trailing slash is a wrong URL here: a 404 envelope, not a redirect an integrator never sees.
    app.router.redirect_slashes = False
    return app


def _lifespan(store: Store) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """Says where everything is as the server starts (`app.state.announce`, set by the command
    line, which has made sure the port is free); closes the store when it stops (a SQLite file then
    checkpoints its log)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        for line in app.state.announce:
            logger.info(line)
        try:
            yield
        finally:
            store.close()

    return lifespan


def where_to_find(base_url: str, *, admin: bool, token: bool = False) -> list[str]:
    """The lines that tell a person where the API, the dashboard and the docs are."""
    lines = [f"GamifyHost Codes API at {base_url}/v1/campaigns/codes/ (its secrets are in the fixtures)"]
    if admin:
        guarded = " (it asks for the admin token)" if token else ""
        lines.append(f"Dashboard at {base_url}/__mock/ and admin API under {base_url}/__mock/{guarded}")
    lines.append(f"API reference (try it out against this mock) at {base_url}/docs")
    return lines


def _instant(moment: datetime | str | None) -> datetime | None:
    return parse_timestamp(moment) if isinstance(moment, str) else moment
