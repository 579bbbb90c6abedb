"""The target as the checks call it: one HTTP session, every answer judged and booked on the way.

Every request of a run, the checks' own and schemathesis's (its probes included), goes through
one session whose `send` is watched: it counts the request, books what it created, and refuses
to send what could harm the target: a batch larger than --max-batch-size, should the target
ignore validation, or a write with the secret that must only read.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import requests

from .checks import Violation, checks_for
from .exchange import (
    CONFIGURED,
    NO_SECRET,
    SECRET_HEADER,
    Exchange,
    Identities,
    curl_command,
    decode_json,
    exchange_from,
    sent_body,
    shown_request,
)
from .ledger import Finding, Ledger
from .operations import BATCHES, GENERATE, OPERATIONS, REDEEM, STATS, VERIFY, Operation
from .settings import Settings

# Whom a redemption of the suite awards its points to, easy to find in a deployment's data.
REDEEMING_USER = "gamifyhost-conformance"
# The secrets of a run, by the name a check asks for them with.
FOREIGN, OTHER_ENV, REVOKED, INACTIVE = "foreign", "other-env", "revoked", "inactive"
_READ_ONLY_IDENTITIES = {OTHER_ENV}
_NUMBER = re.compile(rb"batchSize\W{0,8}?(-?[0-9][0-9_.eE+xXa-fA-F]*)")
MAX_SHOWN_ANSWER = 2000
BOUNDARY = 10_000  # the generate page: batchSize 1 to 10,000


class HeldBack(Exception):
    """A request the suite would not send: it could harm the target."""


def secrets_by_identity(settings: Settings) -> dict[str, str | None]:
    return {
        CONFIGURED: settings.api_secret,
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


class WatchedSession:
    """Wraps a session's `send`: counts and books every request, holds back the harmful ones."""

    def __init__(self, session: requests.Session, settings: Settings, ledger: Ledger) -> None:
        self.session, self.settings, self.ledger = session, settings, ledger
        self.identities = Identities(secrets_by_identity(settings))
        self._send = session.send
        session.send = self.send  # type: ignore[method-assign]

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.refuse_if_harmful(request)
        response = self._send(request, **kwargs)
        self.ledger.observe(request, response.status_code, response.content, self.identities.of(request))
        return response

    def refuse_if_harmful(self, request: requests.PreparedRequest) -> None:
        method, url = str(request.method), str(request.url)
        creates = any(operation.creates and operation.matches(method, _path(url)) for operation in OPERATIONS)
        if not creates:
            return
        identity = self.identities.of(request)
        if identity in _READ_ONLY_IDENTITIES:
            raise HeldBack(f"{method} {_path(url)} with the {identity} secret, which is only read with")
        if self.settings.read_only:
            raise HeldBack(f"{method} {_path(url)}: --read-only")
        if GENERATE.matches(method, _path(url)):
            asked, allowed = requested_batch_size(sent_body(request)), largest_batch(self.settings)
            if asked > allowed:
                raise HeldBack(f"a generate request that could mint {asked:,.0f} codes (at most {allowed:,})")


def _path(url: str) -> str:
    return requests.utils.urlparse(url).path


def http_session(app: Any = None) -> requests.Session:
    """A session to the target: schemathesis's in-process client for an app, else plain HTTP."""
    if app is not None:
        from schemathesis.python.asgi import get_client

        return get_client(app)
    return requests.Session()


class Sessions:
    """One watched session per thread: schemathesis swaps a session's headers while it sends."""

    def __init__(self, settings: Settings, ledger: Ledger, app: Any = None) -> None:
        self.settings, self.ledger, self.app = settings, ledger, app
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[requests.Session] = []

    def get(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = http_session(self.app)
            WatchedSession(session, self.settings, self.ledger)
            with self._lock:
                self._opened.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._opened:
                session.close()
            self._opened.clear()


class Api:
    """The target as the behaviour checks call it."""

    def __init__(self, settings: Settings, sessions: Sessions, ledger: Ledger) -> None:
        self.settings, self.sessions, self.ledger = settings, sessions, ledger
        self.secrets = settings.secrets()
        self._by_identity = secrets_by_identity(settings)
        self.identities = Identities(self._by_identity)

    def secret_of(self, identity: str) -> str | None:
        return self._by_identity.get(identity)

    def generate(self, *, secret: str = CONFIGURED, **fields: Any) -> Exchange:
        """POST generate for --slug, one code of one point unless `fields` say otherwise."""
        body = {"slug": self.settings.slug, "batchSize": 1, "pointsValue": 1, **fields}
        return self.call(GENERATE, body=body, secret=secret)

    def list_batches(self, *, secret: str = CONFIGURED, **query: Any) -> Exchange:
        """GET batches of --slug unless `query` names another."""
        return self.call(BATCHES, query={"slug": self.settings.slug, **query}, secret=secret)

    def verify(self, code: str, *, secret: str = CONFIGURED) -> Exchange:
        """POST verify of `code` exactly as given."""
        return self.call(VERIFY, body={"code": code}, secret=secret)

    def stats(self, *, secret: str = CONFIGURED, **query: Any) -> Exchange:
        """GET stats of --slug unless `query` names another."""
        return self.call(STATS, query={"slug": self.settings.slug, **query}, secret=secret)

    def redeem(self, code: str, *, slug: str | None = None, secret: str = CONFIGURED) -> Exchange:
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
        secret: str = CONFIGURED,
        judge: bool = True,
    ) -> Exchange:
        """Send one request as given and judge it: `raw` replaces a JSON body, `secret` names whose
        secret it carries (or is one)."""
        headers = {}
        value = None if secret == NO_SECRET else self._by_identity.get(secret, secret)
        if value is not None:
            headers[SECRET_HEADER] = value
        content = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if content_type is not None and content is not None:
            headers["Content-Type"] = content_type
        url = self.settings.base_url + operation.path.format(**(path or {}))
        response = self.sessions.get().request(
            operation.method, url, params=query or None, data=content, headers=headers, timeout=60
        )
        exchange = exchange_from(
            operation,
            response.request,
            response.status_code,
            response.content,
            self.identities.of(response.request),
        )
        if judge:
            self.judge(exchange)
        return exchange

    def judge(self, exchange: Exchange) -> None:
        """Run the operation's response checks on an answer; violations become findings, not errors."""
        for check in checks_for(exchange.operation.name):
            if not check.applies_to(exchange):
                continue
            try:
                check.function(exchange, self.ledger)
            except Violation as violation:
                self.ledger.failed(
                    self.finding(exchange.operation.name, check.name, str(violation), exchange)
                )
            else:
                self.ledger.passed(exchange.operation.name, check.name)

    def finding(self, operation: str, check: str, message: str, exchange: Exchange | None) -> Finding:
        """A finding with the request that shows it, as curl and as text, and the answer."""
        if exchange is None:
            return Finding(operation, check, message)
        answer = (
            exchange.text
            if len(exchange.text) <= MAX_SHOWN_ANSWER
            else exchange.text[:MAX_SHOWN_ANSWER] + "..."
        )
        return Finding(
            operation,
            check,
            message,
            curl_command(exchange.request, self.secrets),
            shown_request(exchange.request, self.secrets),
            f"{exchange.status}\n{answer}",
        )
