"""Who reaches what: the secret missing, made up, revoked or of an inactive application, and a campaign
nobody has or another partner's, on every operation."""

from __future__ import annotations

from ....judge.operations import BY_NAME, GENERATE, REDEEM, STATS, VERIFY
from ....judge.roles import API, INACTIVE, REVOKED
from ....judge.rules import BY_ID
from ..target import NO_SECRET
from ._registry import probe
from .shared import Context, made_up_code, made_up_secret, made_up_slug

ALL = tuple(BY_NAME)
# Verify names no campaign: the code alone does.
CAMPAIGN_OPERATIONS = tuple(name for name in BY_NAME if name != VERIFY.name)


def send(context: Context, *, slug: str | None = None, secret: str) -> None:
    """The operation's simplest request, for `slug` (default --slug), with `secret`."""
    target, operation = context.target, context.operation
    slug = slug or context.settings.slug or ""
    if operation is GENERATE:
        target.generate(slug=slug, secret=secret)
    elif operation is VERIFY:
        target.verify(made_up_code(target, slug), secret=secret)
    elif operation is STATS:
        target.stats(slug=slug, secret=secret)
    elif operation is REDEEM:
        target.redeem(made_up_code(target, slug), slug=slug, secret=secret)
    else:
        target.list_batches(slug=slug, secret=secret)


@probe(*ALL, shows=(BY_ID["auth.secret-required"],))
def without_secret(context: Context) -> None:
    send(context, secret=NO_SECRET)


@probe(*ALL, shows=(BY_ID["auth.invalid-key"],))
def with_made_up_secret(context: Context) -> None:
    send(context, secret=made_up_secret(context.target))


@probe(*ALL, shows=(BY_ID["auth.revoked-key"],))
def with_revoked_secret(context: Context) -> None:
    context.require("revoked_secret")
    send(context, secret=REVOKED)


@probe(*ALL, shows=(BY_ID["auth.inactive-application"],))
def with_inactive_secret(context: Context) -> None:
    context.require("inactive_secret")
    send(context, secret=INACTIVE)


@probe(*CAMPAIGN_OPERATIONS, shows=(BY_ID["campaign.not-found"], BY_ID["codes.unredeemable"]))
def for_made_up_campaign(context: Context) -> None:
    send(context, slug=made_up_slug(context.target), secret=API)


@probe(*CAMPAIGN_OPERATIONS, shows=(BY_ID["isolation.partner"],))
def for_foreign_campaign(context: Context) -> None:
    """Another partner's or environment's campaign, with --api-secret."""
    send(context, slug=context.require("foreign_slug"), secret=API)
