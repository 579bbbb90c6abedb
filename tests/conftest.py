"""Shared fixtures: clients whose every response is checked against openapi.yaml, and API helpers.

The response check reads openapi.yaml on its own (yaml + jsonschema + referencing) and shares
no code with the server, so a bug in the server's spec handling cannot hide itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from helpers_kit import ACME_TEST, BATCHES, DOCS_BODY, GENERATE, SPEC_FILE, STATS, VERIFY
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.testclient import TestClient
from stores_kit import ENVIRONMENT, STORE_KINDS, ThrowawayServer, fresh_store

from mockserver import create_app
from mockserver.kit.serving import serve_in_thread

SPEC_URI = "urn:gamifyhost:openapi"
UTC_WHOLE_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", re.ASCII)

HEARTBEAT = 20.0  # seconds between lines of progress, at most
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def is_utc_whole_seconds(value: object) -> bool:
    """Stricter than RFC 3339 on purpose: D4 says the mock sends UTC, `Z`, whole seconds."""
    if not isinstance(value, str):
        return True
    if not UTC_WHOLE_SECONDS.fullmatch(value):
        return False
    datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")  # rejects month 13, hour 25, ...
    return True


def _pointer_part(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


class ResponseContract:
    """What openapi.yaml promises about each response: a documented status and a schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource(contents=document, specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.paths = [
            (re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"), template)
            for template in document["paths"]
        ]

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at `pointer` in the spec; its `#/...` refs resolve in it."""
        schema = {"$ref": f"{SPEC_URI}#{pointer}"}
        return Draft202012Validator(schema, registry=self.registry, format_checker=FORMATS)

    def schema_pointer(self, method: str, path: str, status: int) -> str:
        """Where the schema of this response lives in the spec; fails for undocumented ones."""
        template = next((t for pattern, t in self.paths if pattern.match(path)), None)
        if template is None:
            assert status == 404, f"{method} {path}: unknown route answered {status}, not 404"
            return "/components/schemas/Error"
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            assert status == 405, f"{method} {path}: method not in the spec answered {status}, not 405"
            return "/components/schemas/Error"
        responses = operation["responses"]
        key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
        assert key is not None, (
            f"{method} {template}: status {status} is not documented (documented: {sorted(responses)})"
        )
        pointer = f"/paths/{_pointer_part(template)}/{method.lower()}/responses/{key}"
        response = responses[key]
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self.resolve(pointer)
        assert "application/json" in response.get("content", {}), f"{pointer}: no application/json content"
        return f"{pointer}/content/application~1json/schema"

    def resolve(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def check(self, method: str, path: str, status: int, content_type: str | None, content: bytes) -> None:
        media_type = (content_type or "").partition(";")[0].strip().lower()
        assert media_type == "application/json", f"{method} {path} -> {status}: content type {content_type!r}"
        body = json.loads(content)
        pointer = self.schema_pointer(method, path, status)
        error = best_match(self.validator(pointer).iter_errors(body))
        assert error is None, (
            f"{method} {path} -> {status}: body does not match {pointer}: "
            f"{error.message} at {error.json_path}\nbody: {content[:500]!r}"
        )
        if status >= 400:  # D1: the envelope's code is the HTTP status
            assert body["code"] == status, f"{method} {path}: envelope code {body['code']} != {status}"


@pytest.fixture(scope="session")
def contract() -> ResponseContract:
    """openapi.yaml as the response check reads it: plain YAML, no code of the server's."""
    with open(SPEC_FILE, encoding="utf-8") as stream:
        return ResponseContract(yaml.safe_load(stream))


def _checking_hook(contract: ResponseContract) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        response.read()
        request = response.request
        contract.check(
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("content-type"),
            response.content,
        )

    return check


@pytest.fixture
def client_for(contract: ResponseContract) -> Iterator[Callable[[Starlette], TestClient]]:
    """Makes in-process clients of any app; every response they get is checked against the spec."""
    clients: list[TestClient] = []

    def make(app: Starlette) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        client.event_hooks = {"request": [], "response": [_checking_hook(contract)]}
        clients.append(client.__enter__())  # one event loop for all its requests: much faster
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


class Heartbeat:
    """A line at least every HEARTBEAT seconds while the tests run, for whoever reads a CI log.

    pytest (and pytest-xdist) print only dots meanwhile, on one line, and nothing at all while a
    long test runs.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = time.monotonic()
        self.done = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._thread.start()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.done += 1
        self.failed += report.failed

    def pytest_sessionfinish(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                minutes, seconds = divmod(int(time.monotonic() - self.started), 60)
                failed = f", {self.failed} failed" if self.failed else ""
                reporter.write_line(f"[{minutes:02d}:{seconds:02d}] {self.done} tests done{failed}")


def pytest_configure(config: pytest.Config) -> None:
    """A heartbeat; and without a PostgreSQL server named, a throwaway one for the session (and its
    workers)."""
    if hasattr(config, "workerinput"):
        return
    config.pluginmanager.register(Heartbeat(config), "gamifyhost-heartbeat")
    if os.environ.get(ENVIRONMENT):
        return
    server = ThrowawayServer()
    url = server.start()
    if url is not None:
        os.environ[ENVIRONMENT] = url
        config.add_cleanup(server.stop)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module marked `every_store` runs each test that builds `app` once per store."""
    if "store_kind" not in metafunc.fixturenames or not metafunc.definition.get_closest_marker("every_store"):
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "store_kind" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return  # the test names its stores itself
    metafunc.parametrize("store_kind", STORE_KINDS)


@pytest.fixture
def store_kind() -> str:
    """The store `app` keeps its state in: memory, unless the module is marked `every_store`."""
    return "memory"


@pytest.fixture
def store_url(store_kind: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty store of `store_kind`: a SQLite file in tmp_path, a PostgreSQL schema of its own."""
    with fresh_store(store_kind, tmp_path) as url:
        yield url


@pytest.fixture
def app(store_url: str) -> Iterator[Starlette]:
    """A fresh mock on the bundled fixtures, keeping its state in `store_url`."""
    mock = create_app(store=store_url)
    yield mock
    mock.state.codes.store.close()


@pytest.fixture
def client(app: Starlette, client_for: Callable[[Starlette], TestClient]) -> TestClient:
    return client_for(app)


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """The mock over real HTTP (uvicorn, free loopback port). One per module: starting costs ~0.25 s."""
    with serve_in_thread(create_app()) as base_url:
        yield base_url


# An httpx client loads the system's certificates anew (40 ms) unless given a context: one for all.
SSL_CONTEXT = httpx.create_ssl_context()


def checked_http_client(base_url: str, contract: ResponseContract) -> httpx.Client:
    hooks = {"response": [_checking_hook(contract)]}
    return httpx.Client(base_url=base_url, event_hooks=hooks, timeout=10, verify=SSL_CONTEXT)


@pytest.fixture(scope="module")
def live_client(live_server: str, contract: ResponseContract) -> Iterator[httpx.Client]:
    """An HTTP client of `live_server` checking every response (module-wide: creating one costs ~50 ms)."""
    with checked_http_client(live_server, contract) as http:
        yield http


@pytest.fixture
def http_client_for(contract: ResponseContract) -> Iterator[Callable[[str], httpx.Client]]:
    """Makes HTTP clients of any base URL; every response they get is checked against the spec."""
    clients: list[httpx.Client] = []

    def make(base_url: str) -> httpx.Client:
        clients.append(checked_http_client(base_url, contract))
        return clients[-1]

    yield make
    for http in clients:
        http.close()


@pytest.fixture(params=["in-process", "http"])
def any_client(request: pytest.FixtureRequest) -> Any:
    """Runs a test twice: through Starlette's TestClient and through real HTTP."""
    return request.getfixturevalue("client" if request.param == "in-process" else "live_client")


def auth_headers(secret: str | None, content_type: str | None = "application/json") -> dict[str, str]:
    headers = {} if secret is None else {"X-API-Secret": secret}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


class Api:
    """The API's operations as one-line calls over any client (bodies are sent as raw JSON text)."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def generate(
        self,
        body: Any = DOCS_BODY,
        secret: str | None = ACME_TEST,
        omit: tuple[str, ...] = (),
        **changes: Any,
    ) -> Any:
        """POST generate: `body` (the docs' example by default) with `changes` and without `omit`."""
        payload = body
        if changes or omit:
            payload = {k: v for k, v in {**body, **changes}.items() if k not in omit}
        return self.http.post(GENERATE, content=json.dumps(payload), headers=auth_headers(secret))

    def post_raw(
        self, content: bytes, secret: str | None = ACME_TEST, content_type: str | None = None
    ) -> Any:
        return self.http.post(GENERATE, content=content, headers=auth_headers(secret, content_type))

    def list_batches(self, secret: str | None = ACME_TEST, params: Any = None, **query: Any) -> Any:
        return self.http.get(
            BATCHES, params=params if params is not None else query, headers=auth_headers(secret, None)
        )

    def verify(self, code: Any, secret: str | None = ACME_TEST) -> Any:
        body = code if isinstance(code, dict) else {"code": code}
        return self.http.post(VERIFY, content=json.dumps(body), headers=auth_headers(secret))

    def verdict(self, code: str, secret: str = ACME_TEST) -> dict[str, Any]:
        """`data` of a verify call, which answers 200 for any well-formed body."""
        response = self.verify(code, secret)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def stats(self, secret: str | None = ACME_TEST, **query: Any) -> Any:
        return self.http.get(STATS, params=query, headers=auth_headers(secret, None))

    def counts(self, slug: str = "summer-promo", secret: str = ACME_TEST) -> dict[str, int]:
        response = self.stats(secret, slug=slug)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def redeem(self, slug: str, body: Any, secret: str | None = ACME_TEST) -> Any:
        path = f"/v1/campaigns/{slug}/redeem"
        return self.http.post(path, content=json.dumps(body), headers=auth_headers(secret))

    def generated(self, secret: str = ACME_TEST, **changes: Any) -> dict[str, Any]:
        """`data` of a generate call that must succeed."""
        response = self.generate(secret=secret, **changes)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def all_batches(self, slug: str = "summer-promo", secret: str = ACME_TEST) -> list[dict[str, Any]]:
        response = self.list_batches(secret, slug=slug, limit=100)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert len(data["batches"]) == data["total"], "the test needs every batch on one page"
        return data["batches"]

    def total(self, slug: str = "summer-promo", secret: str = ACME_TEST) -> int:
        response = self.list_batches(secret, slug=slug)
        assert response.status_code == 200, response.text
        return response.json()["data"]["total"]


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def live_api(live_client: httpx.Client) -> Api:
    return Api(live_client)


class Switchboard:
    """One uvicorn server per test worker, serving whichever app a test puts behind it.

    Starting and stopping uvicorn costs a third of a second; a test that only needs its own app
    over real HTTP borrows this one instead. Tests of a worker run one at a time, so one app at a
    time is served. The server answers the lifespan itself: the apps' stores are the tests'.
    """

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)

    @contextlib.contextmanager
    def serving(self, app: Any) -> Iterator[str]:
        self.app = app
        try:
            yield self.base_url
        finally:
            self.app = None


@pytest.fixture(scope="session")
def switchboard() -> Iterator[Switchboard]:
    board = Switchboard()
    with serve_in_thread(board) as base_url:
        board.base_url = base_url  # type: ignore[attr-defined]
        yield board


@pytest.fixture(params=["in-process", "http"])
def api_both_ways(
    request: pytest.FixtureRequest,
    app: Starlette,
    client_for: Callable[[Starlette], TestClient],
    http_client_for: Callable[[str], httpx.Client],
) -> Iterator[Api]:
    """The `api` of a fresh mock, once in process and once served by uvicorn on a free port.

    Either way the mock is the `app` fixture, so a test can look at its state afterwards.
    """
    if request.param == "in-process":
        yield Api(client_for(app))
        return
    switchboard = request.getfixturevalue("switchboard")
    with switchboard.serving(app) as base_url:
        yield Api(http_client_for(base_url))


@pytest.fixture
def api_for(client_for: Callable[[Starlette], TestClient]) -> Callable[[Starlette], Api]:
    return lambda app: Api(client_for(app))


@pytest.fixture
def write_fixtures(tmp_path: Path) -> Callable[..., Path]:
    """Writes a fixtures document (a dict, dumped as YAML, or raw text) to a file in tmp_path."""

    def write(document: Any, name: str = "fixtures.yaml", folder: Path = tmp_path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
