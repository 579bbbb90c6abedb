"""Verify: a fresh code, a code nobody has, odd spellings and bodies, codes seen with other secrets,
codes of ended and paused campaigns, expired codes."""

from __future__ import annotations

from ....judge.operations import VERIFY
from ....judge.roles import FOREIGN, OTHER_ENV
from ....judge.rules import BY_ID
from ._registry import probe
from .shared import Context, made_up_code, require_active_campaign

# Bodies without a string `code`. The docs give verify no error at all: a 4xx, or a verdict of
# valid false, is a refusal; a crash is not.
BODIES_WITHOUT_CODE = {
    "empty-object": b"{}",
    "code-number": b'{"code": 42}',
    "code-null": b'{"code": null}',
    "json-array": b'["SUMM-AX7K9M2P"]',
    "truncated-json": b'{"code": ',
}
SPELLINGS = {"lower-case": str.lower, "padded": lambda code: f"  {code}\n"}


@probe(
    "verify",
    shows=(BY_ID["verify.fresh-code"], BY_ID["codes.points"], BY_ID["verify.finds-generated"]),
    creates=True,
)
def fresh_code(context: Context) -> None:
    """A code just generated (worth 37 points, in a batch of one)."""
    code = context.shared.fresh_code(points_value=37)
    require_active_campaign(context.target.verify(code), context.settings.slug or "")


@probe("verify", shows=(BY_ID["verify.always-200"],))
def code_nobody_has(context: Context) -> None:
    context.target.verify(made_up_code(context.target, context.settings.slug or ""))


@probe("verify", shows=(BY_ID["status.no-server-error"],), cases=SPELLINGS)
def code_spelled_otherwise(context: Context, spelling: object) -> None:
    # Whether lookups ignore case and trim white space is open (D5 decides it): anything but a crash.
    code = made_up_code(context.target, context.settings.slug or "")
    context.target.verify(spelling(code))  # type: ignore[operator]


@probe("verify", shows=(BY_ID["verify.request"],), cases=BODIES_WITHOUT_CODE)
def body_without_code(context: Context, body: bytes) -> None:
    context.target.call(VERIFY, raw=body)


@probe("verify", shows=(BY_ID["isolation.partner"],), creates=True)
def code_seen_by_another_partner(context: Context) -> None:
    context.require("foreign_secret")
    context.target.verify(context.shared.fresh_code(), secret=FOREIGN)


@probe("verify", shows=(BY_ID["isolation.environment"],), creates=True)
def code_seen_from_the_other_environment(context: Context) -> None:
    context.require("other_env_secret")
    context.target.verify(context.shared.fresh_code(), secret=OTHER_ENV)


@probe(
    "verify", shows=(BY_ID["verify.campaign-closed"], BY_ID["verify.expired-means-campaign"]), creates=True
)
def code_of_ended_campaign(context: Context) -> None:
    code = context.shared.campaign_code(context.require("ended_slug"), "ended")
    context.target.verify(code)


@probe("verify", shows=(BY_ID["verify.campaign-closed"],), creates=True)
def code_of_paused_campaign(context: Context) -> None:
    code = context.shared.campaign_code(context.require("paused_slug"), "paused")
    context.target.verify(code)


@probe("verify", shows=(BY_ID["codes.expire"],), creates=True)
def expired_code(context: Context) -> None:
    batch = context.shared.expired_batch()
    require_active_campaign(context.target.verify(batch.codes[0]), context.settings.slug or "")
