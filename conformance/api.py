"""Deliberate calls of the behaviour checks, each answer judged by the response checks on the way."""

from __future__ import annotations

from enum import Enum
from typing import Any

import requests
from schemathesis.schemas import BaseSchema

from .checks import Violation, checks_for
from .exchange import SECRET_HEADER, Exchange, curl_command, exchange_from
from .ledger import Finding, Ledger
from .operations import BATCHES, GENERATE, REDEEM, STATS, VERIFY, Operation
from .settings import Settings


class Secret(Enum):
    """Which credentials a call carries when not an explicit header value."""

    CONFIGURED = "the --api-secret"
    NONE = "no X-API-Secret header"


# Whom a redemption of the suite awards its points to, easy to find in a deployment's data.
REDEEMING_USER = "gamifyhost-conformance"


class Api:
    """The target as the behaviour checks call it."""

    def __init__(
        self, settings: Settings, schema: BaseSchema, session: requests.Session, ledger: Ledger
    ) -> None:
        self.settings, self.schema, self.session, self.ledger = settings, schema, session, ledger

    def generate(self, *, secret: Secret | str = Secret.CONFIGURED, **fields: Any) -> Exchange:
        """POST generate for --slug, one code of one point unless `fields` say otherwise."""
        body = {"slug": self.settings.slug, "batchSize": 1, "pointsValue": 1, **fields}
        return self.call(GENERATE, body=body, secret=secret)

    def list_batches(self, *, secret: Secret | str = Secret.CONFIGURED, **query: Any) -> Exchange:
        """GET batches of --slug unless `query` names another."""
        return self.call(BATCHES, query={"slug": self.settings.slug, **query}, secret=secret)

    def verify(self, code: str, *, secret: Secret | str = Secret.CONFIGURED) -> Exchange:
        """POST verify of `code` exactly as given."""
        return self.call(VERIFY, body={"code": code}, secret=secret)

    def stats(self, *, secret: Secret | str = Secret.CONFIGURED, **query: Any) -> Exchange:
        """GET stats of --slug unless `query` names another."""
        return self.call(STATS, query={"slug": self.settings.slug, **query}, secret=secret)

    def redeem(
        self, code: str, *, slug: str | None = None, secret: Secret | str = Secret.CONFIGURED
    ) -> Exchange:
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
        secret: Secret | str = Secret.CONFIGURED,
        judge: bool = True,
    ) -> Exchange:
        """Send one request as given (`raw` replaces a JSON body; `path` fills in the path) and judge it."""
        headers = {}
        if secret is Secret.CONFIGURED:
            headers[SECRET_HEADER] = self.settings.api_secret
        elif isinstance(secret, str):
            headers[SECRET_HEADER] = secret
        if content_type is not None and (body is not None or raw is not None):
            headers["Content-Type"] = content_type
        case = self.schema[operation.path][operation.method].Case(
            path_parameters=path or {},
            query=query or {},
            headers=headers,
            **({"body": body, "media_type": content_type or "application/json"} if body is not None else {}),
        )
        extra = {"data": raw} if raw is not None else {}
        response = case.call(session=self.session, **extra)
        exchange = exchange_from(operation, response.request, response.status_code, response.content)
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
                    Finding(exchange.operation.name, check.name, str(violation), self.curl(exchange))
                )
            else:
                self.ledger.passed(exchange.operation.name, check.name)

    def curl(self, exchange: Exchange) -> str:
        return curl_command(exchange.request, self.settings.api_secret)


def preflight(api: Api) -> str | None:
    """Why the secret does not reach a 2xx on --slug, or None when it does."""
    asked = f"GET {BATCHES.path}?slug={api.settings.slug} with the given secret"
    try:
        exchange = api.call(BATCHES, query={"slug": api.settings.slug}, judge=False)
    except Exception as error:  # the target may be down, or not speak HTTP at all
        return f"{asked} failed: {type(error).__name__}: {error}"
    if exchange.succeeded:
        return None
    return (
        f"{asked} answered {exchange.describe_answer()}; expected a 2xx. Check --base-url, "
        "--api-secret and --slug (the secret must own the campaign): nothing else was checked."
    )
