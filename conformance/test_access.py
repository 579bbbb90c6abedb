"""Who reaches what: the secret is required, and a campaign is reached only by the secret that owns it.

Authentication is documented for every Campaign endpoint, redeem included. Which refusal an
unknown or foreign campaign gets from redeem is inferred, so there any 4xx will do.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .api import Api, Secret
from .codes import unknown_code
from .exchange import Exchange
from .expect import expect_client_error, expect_error
from .operations import BY_NAME, CREATES_MARKER, GENERATE, REDEEM, STATS, VERIFY, Operation
from .settings import Settings

CAMPAIGN_NOT_FOUND = "Campaign not found"
INVALID_KEY = "Invalid API key"


def per_operation(*names: str) -> list[Any]:
    """One parameter per operation, carrying its operation's marker (and `creates` where it does)."""
    params = []
    for name in names:
        operation = BY_NAME[name]
        marks = [getattr(pytest.mark, name)] + (
            [getattr(pytest.mark, CREATES_MARKER)] if operation.creates else []
        )
        params.append(pytest.param(operation, marks=marks, id=name))
    return params


def send(
    api: Api, operation: Operation, *, slug: str | None = None, secret: Secret | str = Secret.CONFIGURED
) -> Exchange:
    """The operation's simplest valid request, for `slug` (default --slug) and with `secret`."""
    slug = slug or api.settings.slug
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
    prefix = (
        settings.api_secret[:8] if settings.api_secret.startswith(("sk_test_", "sk_live_")) else "sk_test_"
    )
    return f"{prefix}{uuid.uuid4().hex}"


OPERATIONS = per_operation(*BY_NAME)
# Verify names no campaign: the code alone does.
CAMPAIGN_OPERATIONS = per_operation(*(name for name in BY_NAME if name != VERIFY.name))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_missing_secret_rejected(api: Api, operation: Operation) -> None:
    expect_error(send(api, operation, secret=Secret.NONE), 401)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_wrong_secret_rejected(api: Api, settings: Settings, operation: Operation) -> None:
    expect_error(send(api, operation, secret=wrong_secret(settings)), 401, INVALID_KEY)


@pytest.mark.parametrize("operation", CAMPAIGN_OPERATIONS)
def test_unknown_slug_rejected(api: Api, operation: Operation) -> None:
    unknown = f"conformance-unknown-{uuid.uuid4().hex[:12]}"
    expect_campaign_refused(send(api, operation, slug=unknown), 404, CAMPAIGN_NOT_FOUND)


@pytest.mark.parametrize("operation", CAMPAIGN_OPERATIONS)
def test_foreign_slug_rejected(api: Api, settings: Settings, operation: Operation) -> None:
    if not settings.foreign_slug:
        pytest.skip("no --foreign-slug given")
    # Another partner's campaign must look missing (404) or forbidden (403), never reachable.
    expect_campaign_refused(send(api, operation, slug=settings.foreign_slug), (403, 404))
