"""The Starlette application, built from openapi.yaml in named steps; every error a D1 envelope.

Every GamifyHost request goes one way: `Dispatch` (dispatch.py) finds its operation, whose
endpoint answers it. Starlette serves only the mock's own surface (D10): the admin API and the
dashboard under `/__mock/`, `/openapi.yaml`, `/docs` and `/`.

`create_app` is these steps, each a function of its own: `contract` (the spec and its text),
`opened_codes` (the store opened and the fixtures installed), `mock_state`, and `assembled`
(the app over that state).
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
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from ..contract.fixtures import FixtureError, Fixtures, load_fixtures, plan_of
from ..contract.spec import SPEC_PATH, Spec, load_spec
from ..contract.timestamps import parse_timestamp
from ..domain.clock import Clock
from ..domain.codes import Randomness
from ..domain.errors import ApiError
from ..domain.ports import Store, StoreMismatch
from ..domain.service import Codes
from ..stores import StoreError, open_store, sqlite_url
from .admin import ADMIN_ROUTES
from .admin_token import AdminToken
from .dispatch import Dispatch, OperationEndpoint, answer_to
from .docs_page import docs_routes
from .faults import Faults
from .journal import OWN_PATHS, Journal
from .operations import OPERATIONS
from .state import MockState
from .wire import error_envelope, error_response, send_json

logger = logging.getLogger("mockserver")


async def on_error(_request: Request, caught: Exception) -> Response:
    error = answer_to(caught)
    return error_response(error.status, error.message, error.headers)


async def on_http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, error.detail, error.headers)


class MockApp(Starlette):
    """The mock: GamifyHost requests through `dispatch`, and journalled; the mock's own surface
    through Starlette's routes."""

    def __init__(
        self, *args: Any, state: MockState, dispatch: Dispatch, journalled: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.state = state  # type: ignore[assignment]
        self.dispatch = dispatch
        self.journal = state.journal if journalled else None

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
            try:
                endpoint, path = self.dispatch.find(scope["method"], scope["path"])
            except ApiError as error:  # no such path (404), or not with this method (405)
                status = error.status
                await send_json(send, status, error_envelope(status, error.message), error.headers)
                return
            status = await endpoint(scope, receive, send, path)
        finally:
            if self.journal is not None:
                self.journal.record(scope, status, (time.perf_counter() - started) * 1000)


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
    guard = AdminToken(admin_token) if admin_token is not None else None
    spec, spec_yaml = contract(spec)
    loaded = load_fixtures(Path(fixtures) if fixtures is not None else None, spec)
    clock = clock or Clock(_instant(freeze_time))
    randomness = randomness or Randomness(seed)
    codes = opened_codes(store_url(store, state_file), spec, loaded, clock, randomness)
    state = mock_state(
        spec, loaded, codes, Faults(latency_ms, error_rate, randomness.seed), guard if admin else None
    )
    return assembled(state, spec_yaml, admin=admin)


def contract(spec: Spec | None) -> tuple[Spec, bytes]:
    """The spec the mock serves (openapi.yaml unless given), and its text for `/openapi.yaml`."""
    if spec is None:
        return load_spec(), SPEC_PATH.read_bytes()
    return spec, yaml.safe_dump(spec.document, sort_keys=False).encode()


def store_url(store: str, state_file: Path | str | None) -> str:
    """`store`, or the SQLite store of `state_file` (the older way to name one)."""
    if state_file is None:
        return store
    if store != "memory":
        raise ValueError("pass either store or state_file (a SQLite file)")
    return sqlite_url(state_file)


def opened_codes(url: str, spec: Spec, loaded: Fixtures, clock: Clock, randomness: Randomness) -> Codes:
    """The domain over the store at `url`, opened, with the fixtures installed; FixtureError or
    StoreError (the store is closed again) if it cannot start."""
    opened = open_store(url)
    try:
        codes = Codes(opened, spec.code_format, plan_of(loaded), clock=clock, randomness=randomness)
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
    return codes


def mock_state(
    spec: Spec, loaded: Fixtures, codes: Codes, faults: Faults, guard: AdminToken | None
) -> MockState:
    return MockState(
        spec=spec,
        fixtures=loaded,
        codes=codes,
        faults=faults,
        journal=Journal(now=lambda: codes.clock.timestamp()),
        admin_token=guard,
    )


def endpoints(state: MockState) -> list[OperationEndpoint]:
    """An endpoint per operation of the spec; ValueError if the mock implements one not."""
    missing = set(state.spec.operations) - set(OPERATIONS)
    if missing:
        raise ValueError(f"openapi.yaml has operations the mock does not implement: {sorted(missing)}")
    return [OperationEndpoint(operation, state) for operation in state.spec.operations.values()]


def assembled(state: MockState, spec_yaml: bytes, *, admin: bool = True) -> MockApp:
    """The app over `state`: the operations' dispatch, the mock's own routes, the error envelopes."""
    own_routes: list[BaseRoute] = [*(ADMIN_ROUTES if admin else ()), *docs_routes(spec_yaml, admin=admin)]
    app = MockApp(
        routes=own_routes,
        state=state,
        dispatch=Dispatch(endpoints(state)),
        journalled=admin,
        exception_handlers={
            ApiError: on_error,
            HTTPException: on_http_error,
            Exception: on_error,
        },
        lifespan=_lifespan(state.codes.store),
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


def where_to_find(base_url: str, *, admin: bool, token: bool = False, store: str = "memory") -> list[str]:
    """The lines that tell a person where the API, the dashboard and the docs are, and where the
    mock keeps what it is told (`store`: its name, as /__mock/health says it)."""
    lines = [f"GamifyHost Codes API at {base_url}/v1/campaigns/codes/ (its secrets are in the fixtures)"]
    if store == "memory":
        lines.append(
            "State in memory: gone when the mock stops (--store sqlite:///state.db keeps it in a file)"
        )
    else:
        lines.append(f"State kept in {store}: what the mock answered 200 for survives a restart")
    if admin:
        guarded = " (it asks for the admin token)" if token else ""
        lines.append(f"Dashboard at {base_url}/__mock/ and admin API under {base_url}/__mock/{guarded}")
    lines.append(f"API reference (try it out against this mock) at {base_url}/docs")
    return lines


def _instant(moment: datetime | str | None) -> datetime | None:
    return parse_timestamp(moment) if isinstance(moment, str) else moment
