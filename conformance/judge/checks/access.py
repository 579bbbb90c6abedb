"""Who reaches what: every operation needs a secret that is known, not revoked and of an active
application, and reaches only its own partner's campaigns.

Authentication is documented for every Campaign endpoint, redeem included. Which refusal an
unknown or foreign campaign gets from redeem is inferred, so there any 4xx will do.
"""

from __future__ import annotations

from ..exchange import Exchange
from ..findings import Violation
from ..memory import Memory
from ..operations import REDEEM
from ..roles import FOREIGN, INACTIVE, MADE_UP, REVOKED
from ._registry import check, sent

CAMPAIGN_NOT_FOUND = "Campaign not found"
INVALID_KEY = "Invalid API key"
REVOKED_KEY = "API key has been revoked"
INACTIVE_APPLICATION = "Application is not active"
CAMPAIGN_OPERATIONS = ("generate", "batches", "stats", "redeem")


def _expect(exchange: Exchange, status: int, message: str | None, why: str) -> bool:
    if exchange.status == status and (message is None or exchange.message == message):
        return True
    wanted = f"{status}" + (f" {message}" if message else "")
    raise Violation(f"Expected {wanted} {why}; received {exchange.describe_answer()}")


@check()
def missing_secret_rejected(exchange: Exchange, _memory: Memory) -> bool | None:
    """A request without X-API-Secret gets 401."""
    if exchange.secret is not None:
        return None
    return _expect(exchange, 401, None, "for a request without X-API-Secret")


@check()
def made_up_secret_rejected(exchange: Exchange, memory: Memory) -> bool | None:
    """A secret nobody holds (one a probe made up) gets 401 Invalid API key."""
    if memory.roles.role(exchange.secret) != MADE_UP:
        return None
    return _expect(exchange, 401, INVALID_KEY, "for a secret no partner holds")


@check()
def revoked_secret_refused(exchange: Exchange, memory: Memory) -> bool | None:
    """The --revoked-secret gets 403 API key has been revoked, whatever it asks."""
    if memory.roles.role(exchange.secret) != REVOKED:
        return None
    return _expect(exchange, 403, REVOKED_KEY, "for the revoked secret")


@check()
def inactive_secret_refused(exchange: Exchange, memory: Memory) -> bool | None:
    """The --inactive-secret gets 403 Application is not active, whatever it asks."""
    if memory.roles.role(exchange.secret) != INACTIVE:
        return None
    return _expect(exchange, 403, INACTIVE_APPLICATION, "for the secret of an inactive application")


def _slug(exchange: Exchange) -> object:
    if exchange.operation is REDEEM:
        return exchange.path.rstrip("/").split("/")[-2]
    return exchange.query.get("slug") if exchange.method == "GET" else sent(exchange, "slug")


@check(*CAMPAIGN_OPERATIONS)
def made_up_slug_not_found(exchange: Exchange, memory: Memory) -> bool | None:
    """A campaign nobody has (one a probe made up) is 404 Campaign not found (any 4xx for redeem)."""
    if (
        memory.state_of(_slug(exchange)) != MADE_UP
        or exchange.secret is None
        or not memory.roles.usable(exchange.secret)
    ):
        return None
    if exchange.operation is REDEEM:
        return refused(exchange, "for a campaign nobody has")
    return _expect(exchange, 404, CAMPAIGN_NOT_FOUND, "for a campaign nobody has")


@check(*CAMPAIGN_OPERATIONS)
def foreign_slug_refused(exchange: Exchange, memory: Memory) -> bool | None:
    """--api-secret never reaches --foreign-slug, another partner's or environment's campaign: 404 or
    403 (any 4xx for redeem)."""
    if memory.state_of(_slug(exchange)) != FOREIGN or memory.roles.role(exchange.secret) != "api":
        return None
    if exchange.operation is REDEEM:
        return refused(exchange, "for another partner's campaign")
    if exchange.status in (403, 404):
        return True
    raise Violation(
        f"Expected 404 (or 403) for another partner's campaign; received {exchange.describe_answer()}"
    )


@check("generate", "batches", "stats")
def not_found_is_campaign_not_found(exchange: Exchange, _memory: Memory) -> bool | None:
    """A 404 of generate, the list or stats is the one the docs give them: Campaign not found."""
    if exchange.status != 404:
        return None
    return _expect(exchange, 404, CAMPAIGN_NOT_FOUND, "(the one 404 the docs give this operation)")


def refused(exchange: Exchange, why: str) -> bool:
    """A 4xx: what a refusal the docs give no status for is held to."""
    if 400 <= exchange.status < 500:
        return True
    raise Violation(f"Expected a 4xx {why}; received {exchange.describe_answer()}")
