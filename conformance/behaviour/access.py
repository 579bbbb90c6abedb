"""Who reaches what: every operation needs a secret that is known, not revoked and of an active
application, and reaches only its own partner's campaigns.

Authentication is documented for every Campaign endpoint, redeem included. Which refusal an
unknown or foreign campaign gets from redeem is inferred, so there any 4xx will do.
"""

from __future__ import annotations

import uuid

from ..api import INACTIVE, REVOKED
from ..exchange import CONFIGURED, NO_SECRET, Exchange
from ..expect import expect_client_error, expect_error
from ..operations import BY_NAME, GENERATE, REDEEM, STATS, VERIFY
from ..settings import SECRET_PREFIXES, Settings
from ._registry import Context, behaviour
from .shared import unknown_code

CAMPAIGN_NOT_FOUND = "Campaign not found"
INVALID_KEY = "Invalid API key"
REVOKED_KEY = "API key has been revoked"
INACTIVE_APPLICATION = "Application is not active"
ALL = tuple(BY_NAME)
# Verify names no campaign: the code alone does.
CAMPAIGN_OPERATIONS = tuple(name for name in BY_NAME if name != VERIFY.name)


def send(context: Context, *, slug: str | None = None, secret: str) -> Exchange:
    """The operation's simplest valid request, for `slug` (default --slug), with `secret`."""
    api, operation = context.api, context.operation
    slug = slug or context.settings.slug
    if operation is GENERATE:
        return api.generate(slug=slug, secret=secret)
    if operation is VERIFY:
        return api.verify(unknown_code(slug), secret=secret)
    if operation is STATS:
        return api.stats(slug=slug, secret=secret)
    if operation is REDEEM:
        return api.redeem(unknown_code(slug), slug=slug, secret=secret)
    return api.list_batches(slug=slug, secret=secret)


def expect_campaign_refused(
    exchange: Exchange, statuses: int | tuple[int, ...], message: str | None = None
) -> None:
    """The documented refusal of a campaign; for an inferred operation, any 4xx."""
    if exchange.operation.inferred:
        expect_client_error(exchange)
    else:
        expect_error(exchange, statuses, message)


def wrong_secret(settings: Settings) -> str:
    """A secret of the same environment that no partner holds."""
    prefix = next((p for p in SECRET_PREFIXES if settings.api_secret.startswith(p)), SECRET_PREFIXES[0])
    return f"{prefix}{uuid.uuid4().hex}"


@behaviour(*ALL)
def missing_secret_rejected(context: Context) -> None:
    expect_error(send(context, secret=NO_SECRET), 401)


@behaviour(*ALL)
def wrong_secret_rejected(context: Context) -> None:
    expect_error(send(context, secret=wrong_secret(context.settings)), 401, INVALID_KEY)


@behaviour(*ALL)
def revoked_secret_refused(context: Context) -> None:
    context.require("revoked_secret")
    expect_error(send(context, secret=REVOKED), 403, REVOKED_KEY)


@behaviour(*ALL)
def inactive_secret_refused(context: Context) -> None:
    context.require("inactive_secret")
    expect_error(send(context, secret=INACTIVE), 403, INACTIVE_APPLICATION)


@behaviour(*CAMPAIGN_OPERATIONS)
def unknown_slug_rejected(context: Context) -> None:
    unknown = f"conformance-unknown-{uuid.uuid4().hex[:12]}"
    expect_campaign_refused(send(context, slug=unknown, secret=CONFIGURED), 404, CAMPAIGN_NOT_FOUND)


@behaviour(*CAMPAIGN_OPERATIONS)
def foreign_slug_rejected(context: Context) -> None:
    """Another partner's or environment's campaign looks missing (404) or forbidden (403), never reachable."""
    foreign = context.require("foreign_slug")
    expect_campaign_refused(send(context, slug=foreign, secret=CONFIGURED), (403, 404))
