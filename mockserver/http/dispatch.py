"""From the ASGI scope to an operation's handler, one way for every GamifyHost request.

`Dispatch` is the table of the spec's operations: a fixed path is looked up at once, a path
with parameters (`/v1/campaigns/{slug}/redeem`) by its pattern. A path it knows with another
method is a 405 that says which it allows (HEAD is a GET's), any other path a 404: both in the
error envelope. `OperationEndpoint` then answers the request itself, its checks in a fixed
order: faults, the store's news, the secret, the body, the query, the act.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from ..contract.spec import Operation
from ..domain.errors import ApiError, MethodNotAllowed, NotFound, ServiceUnavailable
from ..domain.ports import StoreMoved, StoreUnavailable
from .operations import OPERATIONS, WRITES, Call
from .state import MockState
from .wire import RequestBody, error_envelope, send_json, success_envelope

logger = logging.getLogger("mockserver")
INTERNAL_ERROR = "Internal server error"
NOT_FOUND = "Not Found"
METHOD_NOT_ALLOWED = "Method Not Allowed"
# What a client is told when the store fails, by what failed.
STORE_FAILURES = {
    StoreUnavailable.KEEP: "Service unavailable: the mock's store could not keep it",
    StoreUnavailable.READ: "Service unavailable: the mock's store could not read it",
    StoreUnavailable.BUSY: "Service unavailable: the mock's store is too busy to keep it",
    StoreUnavailable.INTERRUPTED: "Service unavailable: the write was interrupted",
}
CONTENDED_SECONDS = 1.0  # after a write found another process's change, writes look first this long
_PARAMETER = re.compile(r"\{([^/{}]+)\}")


def answer_to(caught: Exception) -> ApiError:
    """The error a request is answered with: an ApiError as it is, a failed store a 503 that
    says so, anything else a logged 500."""
    if isinstance(caught, ApiError):
        return caught
    if isinstance(caught, StoreUnavailable):
        return ServiceUnavailable(STORE_FAILURES.get(caught.failed, STORE_FAILURES[StoreUnavailable.KEEP]))
    logger.error("unexpected error", exc_info=caught)
    return ApiError(INTERNAL_ERROR)


async def _here(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


class OperationEndpoint:
    """One operation, answering every request itself (its errors as D1 envelopes); it returns
    the status it sent.

    On a shared store the request first takes up what other processes changed (awaited: on
    PostgreSQL, concurrent requests share one query). Reads are then answered from memory,
    here. A write to a store over a network (PostgreSQL) runs in a worker thread, so that its
    wait does not hold up the other requests, and skips that first query unless it must (see
    `act`); a local store (memory, SQLite) writes faster than a thread could be handed the work.
    Which of the two is decided once, when the app is built.
    """

    def __init__(self, operation: Operation, state: MockState) -> None:
        self.operation = operation
        self.state = state
        self.handle = OPERATIONS[operation.operation_id]
        offload = operation.operation_id in WRITES and state.codes.store.blocking
        self.run: Callable[..., Awaitable[Any]] = run_in_threadpool if offload else _here

    async def __call__(self, scope: Scope, receive: Receive, send: Send, path: dict[str, str]) -> int:
        # The first of each header counts, as with Starlette's `Headers.get`.
        headers = dict(reversed(scope["headers"]))
        body = _Body(self.operation, headers, receive)
        try:
            data = await self.act(scope, headers, body, path)
        except Exception as caught:
            error = answer_to(caught)
            await body.drain()  # so that a client still sending reads the answer
            await send_json(send, error.status, error_envelope(error.status, error.message), error.headers)
            return error.status
        await send_json(send, 200, success_envelope(data))
        return 200

    async def act(self, scope: Scope, headers: dict[bytes, bytes], body: _Body, path: dict[str, str]) -> Any:
        """The `data` of the success envelope, or an error."""
        state = self.state
        if b"prefer" in headers or not state.faults.idle:
            prefer = [value.decode("latin-1") for name, value in scope["headers"] if name == b"prefer"]
            await state.faults.apply(prefer)
        codes = state.codes
        if not codes.store.shared:
            return await self.answer(scope, headers, body, path)
        if self.run is not _here and time.monotonic() - state.moved_at > CONTENDED_SECONDS:
            # A write to a store over a network, checked and decided on the replica as it stands,
            # with no query first: the store keeps it only if no other process's change reached
            # the replica since (StoreMoved), and a refusal may come from a replica behind. Either
            # way the request is looked at again, once, from the store as it is. While other
            # processes write too (a refusal lately), writes look first, as reads do.
            codes.take_up_clock()
            try:
                with codes.store.writes_since():
                    return await self.answer(scope, headers, body, path)
            except StoreMoved:
                state.moved_at = time.monotonic()
            except ApiError:
                pass
        await codes.refreshed()  # what other processes changed: batches, the clock, keys, ...
        return await self.answer(scope, headers, body, path)

    async def answer(
        self, scope: Scope, headers: dict[bytes, bytes], body: _Body, path: dict[str, str]
    ) -> Any:
        """The operation's checks in their order, D2 (the secret) first, then its handler."""
        codes = self.state.codes
        secret = headers.get(b"x-api-secret")
        principal = codes.authenticate(None if secret is None else secret.decode("latin-1"))
        operation = self.operation
        value = await body.value()
        query = operation.read_query(scope["query_string"])
        parameters = operation.read_path(path) if operation.path_parameters else {}
        call = Call(codes, principal, value, query, parameters, self.state.fixtures.public_base_url)
        return await self.run(self.handle, call)


class _Body:
    """The request's body: its JSON validated against the spec ({} for an operation without
    one), read once however often it is asked for, its refusal raised each time; or drained,
    unread, before an early answer. Nothing is made of it until one of the two is asked."""

    __slots__ = ("headers", "incoming", "operation", "read", "receive")

    def __init__(self, operation: Operation, headers: dict[bytes, bytes], receive: Receive) -> None:
        self.operation = operation
        self.headers = headers
        self.receive = receive
        self.incoming: RequestBody | None = None
        self.read: tuple[Any, ApiError | None] | None = None

    def _incoming(self) -> RequestBody:
        if self.incoming is None:
            headers = self.headers
            self.incoming = RequestBody(
                self.receive,
                headers.get(b"content-length", b"").decode("latin-1"),
                headers.get(b"expect", b"").decode("latin-1"),
            )
        return self.incoming

    async def value(self) -> Any:
        if self.operation.body is None:
            return {}
        if self.read is None:
            content_type = self.headers.get(b"content-type", b"").decode("latin-1")
            try:
                self.read = (self.operation.body.validate(await self._incoming().json(content_type)), None)
            except ApiError as refused:
                self.read = (None, refused)
        value, refused = self.read
        if refused is not None:
            raise refused
        return value

    async def drain(self) -> None:
        """Read and drop what is left of the body (RequestBody.drain)."""
        await self._incoming().drain()


class Dispatch:
    """The spec's operations by method and path."""

    def __init__(self, endpoints: Sequence[OperationEndpoint]) -> None:
        self.fixed: dict[str, dict[str, OperationEndpoint]] = {}
        self.patterns: list[tuple[re.Pattern[str], dict[str, OperationEndpoint]]] = []
        patterns: dict[str, dict[str, OperationEndpoint]] = {}
        for endpoint in endpoints:
            path, method = endpoint.operation.path, endpoint.operation.method
            methods = self.fixed.setdefault(path, {}) if "{" not in path else patterns.setdefault(path, {})
            methods[method] = endpoint
            if method == "GET":
                methods.setdefault("HEAD", endpoint)
        for path, methods in patterns.items():
            template = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
            pattern = re.compile("^" + _PARAMETER.sub(r"(?P<\1>[^/]+)", template) + "$")
            self.patterns.append((pattern, methods))

    def served(self) -> list[tuple[str, str, OperationEndpoint]]:
        """Every (method, path template, endpoint) it answers, HEAD included."""
        tables = [*self.fixed.values(), *(methods for _pattern, methods in self.patterns)]
        return [
            (method, endpoint.operation.path, endpoint)
            for methods in tables
            for method, endpoint in methods.items()
        ]

    def find(self, method: str, path: str) -> tuple[OperationEndpoint, dict[str, str]]:
        """The endpoint and the path's parameters; NotFound or MethodNotAllowed in the envelope."""
        methods = self.fixed.get(path)
        parameters: dict[str, str] = {}
        if methods is None:
            for pattern, candidates in self.patterns:
                found = pattern.match(path)
                if found is not None:
                    methods, parameters = candidates, found.groupdict()
                    break
            else:
                raise NotFound(NOT_FOUND)
        endpoint = methods.get(method)
        if endpoint is None:
            raise MethodNotAllowed(METHOD_NOT_ALLOWED, {"Allow": ", ".join(methods)})
        return endpoint, parameters
