"""The target as the active run calls it: one HTTP session per thread, every answer handed to the judge.

Every request of a run, the probes' own and schemathesis's, goes through a session whose `send`
is watched: it refuses to send what could harm the target (a batch larger than
--max-batch-size, should the target ignore validation; a write with the secret that must only
read), counts what was sent and created, and gives each exchange to the judge.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from ...judge import Exchange, Judge, decode_json, headers_of
from ...judge.operations import BATCHES, GENERATE, OPERATIONS, REDEEM, STATS, VERIFY, Operation
from ...judge.roles import API, FOREIGN, INACTIVE, OTHER_ENV, REVOKED
from ..settings import Settings

# Whom a redemption of the suite awards its points to, easy to find in a deployment's data.
REDEEMING_USER = "gamifyhost-conformance"
NO_SECRET = "none"  # a request sent without X-API-Secret
_READ_ONLY_ROLES = {OTHER_ENV}
_NUMBER = re.compile(rb"batchSize\W{0,8}?(-?[0-9][0-9_.eE+xXa-fA-F]*)")
BOUNDARY = 10_000  # the generate page: batchSize 1 to 10,000
SECRET_HEADER = "X-API-Secret"


class HeldBack(Exception):
    """A request the suite would not send: it could harm the target."""


@dataclass
class Traffic:
    """What the run sent and created, for the summary; safe from any thread."""

    requests_sent: int = 0
    batches_created: int = 0
    codes_created: int = 0
    codes_redeemed: int = 0
    held_back: list[str] = field(default_factory=list)  # requests not sent to keep the target safe
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, exchange: Exchange) -> None:
        with self._lock:
            self.requests_sent += 1
            if not exchange.succeeded or exchange.operation is None:
                return
            if exchange.operation is REDEEM:
                self.codes_redeemed += 1
            elif exchange.operation is GENERATE and isinstance(exchange.data.get("codes"), list):
                self.batches_created += 1
                self.codes_created += len(exchange.data["codes"])

    def hold_back(self, what: str) -> None:
        with self._lock:
            if what not in self.held_back:
                self.held_back.append(what)


def secrets_by_role(settings: Settings) -> dict[str, str | None]:
    return {
        API: settings.api_secret,
        FOREIGN: settings.foreign_secret,
        OTHER_ENV: settings.other_env_secret,
        REVOKED: settings.revoked_secret,
        INACTIVE: settings.inactive_secret,
    }


def largest_batch(settings: Settings) -> int:
    """The most codes a request may ask for: --max-batch-size against a remote target.

    A local target (a loopback host or an app in process) may also be asked for the 10,001 codes
    of the boundary check: were it to ignore validation, it would mint them on the tester's machine.
    """
    return settings.max_batch_size if settings.is_remote else max(settings.max_batch_size, BOUNDARY + 1)


def requested_batch_size(body: bytes | None) -> float:
    """The most codes a generate body could ask for, read as leniently as a careless server would."""
    if not body:
        return 0
    decoded = decode_json(body)
    values = [decoded.get("batchSize")] if isinstance(decoded, dict) else []
    values += [match.decode("latin-1") for match in _NUMBER.findall(body)]
    return max((lenient_number(value) for value in values), default=0)


def lenient_number(value: object) -> float:
    """A number as a careless server might read it: true is 1, "1e4" and "0x10" are numbers; else 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        for read in (lambda: float(int(text, 0)), lambda: float(text)):
            try:
                return read()
            except (ValueError, OverflowError):
                continue
    return 0


def sent_body(request: requests.PreparedRequest) -> bytes | None:
    body = request.body
    return body.encode("utf-8") if isinstance(body, str) else body


class WatchedSession:
    """Wraps a session's `send`: holds back the harmful requests, counts the others, and gives every
    exchange to the judge."""

    def __init__(self, session: requests.Session, target: Target) -> None:
        self.session, self.target = session, target
        self._send = session.send
        session.send = self.send  # type: ignore[method-assign]

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.target.refuse_if_harmful(request)
        started = time.time()
        response = self._send(request, **kwargs)
        exchange = Exchange(
            method=str(request.method),
            url=str(request.url),
            request_headers=headers_of(request.headers),
            request_body=sent_body(request),
            status=response.status_code,
            response_headers=headers_of(response.headers),
            response_body=response.content,
            started=started,
            ended=time.time(),
            index=self.target.judge.next_index(),
            notes=self.target.notes(),
        )
        self.target.traffic.count(exchange)
        self.target.judge.judge(exchange)
        response.exchange = exchange  # type: ignore[attr-defined]
        return response


def http_session(app: Any = None) -> requests.Session:
    """A session to the target: schemathesis's in-process client for an app, else plain HTTP."""
    if app is not None:
        from schemathesis.python.asgi import get_client

        return get_client(app)
    return requests.Session()


class Target:
    """The target as the probes call it, and every session of the run."""

    def __init__(self, settings: Settings, judge: Judge, app: Any = None) -> None:
        self.settings, self.judge, self.app = settings, judge, app
        self.traffic = Traffic()
        self._by_role = secrets_by_role(settings)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[requests.Session] = []
        self._window: int | None = None

    # -- sessions ---------------------------------------------------------------------------

    def session(self) -> requests.Session:
        """This thread's session (schemathesis swaps a session's headers while it sends)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = http_session(self.app)
            WatchedSession(session, self)
            with self._lock:
                self._opened.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._opened:
                session.close()
            self._opened.clear()

    # -- what the judge is told of an exchange ----------------------------------------------

    @contextlib.contextmanager
    def window(self) -> Iterator[None]:
        """Everything sent meanwhile is sent alone: nothing else of the run touches the campaigns."""
        with self.judge.window() as number:
            self._window = number
            try:
                yield
            finally:
                self._window = None

    @contextlib.contextmanager
    def noting(self, **notes: Any) -> Iterator[None]:
        """Notes for the judge on this thread's requests meanwhile (race=True for concurrent ones)."""
        self._local.notes = notes
        try:
            yield
        finally:
            self._local.notes = {}

    def notes(self) -> dict[str, Any]:
        notes = dict(getattr(self._local, "notes", {}))
        if self._window is not None:
            notes["window"] = self._window
        return notes

    # -- safety -----------------------------------------------------------------------------

    def refuse_if_harmful(self, request: requests.PreparedRequest) -> None:
        method, path = str(request.method), urlsplit(str(request.url)).path
        if not any(operation.creates and operation.matches(method, path) for operation in OPERATIONS):
            return
        secret = request.headers.get(SECRET_HEADER)
        if self.judge.memory.roles.role(secret) in _READ_ONLY_ROLES:
            raise HeldBack(f"{method} {path} with the other environment's secret, which is only read with")
        if self.settings.read_only:
            raise HeldBack(f"{method} {path}: --read-only")
        if GENERATE.matches(method, path):
            asked, allowed = requested_batch_size(sent_body(request)), largest_batch(self.settings)
            if asked > allowed:
                raise HeldBack(f"a generate request that could mint {asked:,.0f} codes (at most {allowed:,})")

    # -- the operations, as probes call them ----------------------------------------------------

    def generate(self, *, secret: str = API, **fields: Any) -> Exchange:
        """POST generate for --slug, one code of one point unless `fields` say otherwise."""
        body = {"slug": self.settings.slug, "batchSize": 1, "pointsValue": 1, **fields}
        return self.call(GENERATE, body=body, secret=secret)

    def list_batches(self, *, secret: str = API, **query: Any) -> Exchange:
        """GET batches of --slug unless `query` names another."""
        return self.call(BATCHES, query={"slug": self.settings.slug, **query}, secret=secret)

    def verify(self, code: str, *, secret: str = API) -> Exchange:
        """POST verify of `code` exactly as given."""
        return self.call(VERIFY, body={"code": code}, secret=secret)

    def stats(self, *, secret: str = API, **query: Any) -> Exchange:
        """GET stats of --slug unless `query` names another."""
        return self.call(STATS, query={"slug": self.settings.slug, **query}, secret=secret)

    def redeem(self, code: str, *, slug: str | None = None, secret: str = API) -> Exchange:
        """POST redeem of `code` in --slug (or `slug`), for the suite's own user id."""
        body = {"code": code, "userId": REDEEMING_USER}
        return self.call(REDEEM, path={"slug": slug or self.settings.slug}, body=body, secret=secret)

    def call(
        self,
        operation: Operation,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        path: dict[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        secret: str = API,
    ) -> Exchange:
        """Send one request as given: `raw` replaces a JSON body; `secret` is a role (api, foreign...),
        NO_SECRET, or a secret itself."""
        headers = {}
        value = None if secret == NO_SECRET else self._by_role.get(secret, secret)
        if value is not None:
            headers[SECRET_HEADER] = value
        content = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if content_type is not None and content is not None:
            headers["Content-Type"] = content_type
        url = self.settings.base_url + operation.path.format(**(path or {}))
        response = self.session().request(
            operation.method, url, params=query or None, data=content, headers=headers, timeout=60
        )
        return response.exchange  # type: ignore[attr-defined, no-any-return]
