"""Redeem, run only when --operations names it (only its path is documented): a fresh code redeemed,
then verified, redeemed again and counted; eight redemptions of one code at once; codes verify
calls not redeemable; another partner's secret."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ....judge.roles import FOREIGN
from ....judge.rules import BY_ID
from ._registry import probe
from .shared import Context, made_up_code

CONTENDERS = 8  # concurrent redemptions of one code
ONCE = BY_ID["codes.one-time"]
UNREDEEMABLE = BY_ID["codes.unredeemable"]


@probe("redeem", shows=(BY_ID["redeem.inferred-request"], BY_ID["codes.points"]))
def fresh_code(context: Context) -> None:
    """A code worth 11 points in a batch of 3: what a redemption awards is its batch's pointsValue."""
    code = context.shared.fresh_code(points_value=11, batch_size=3)
    context.target.verify(code)
    context.target.redeem(code)


@probe("redeem", shows=(ONCE,))
def redeemed_then_verified(context: Context) -> None:
    code = context.shared.redeemed_code(points_value=11)
    context.target.verify(code)


@probe("redeem", shows=(ONCE,))
def redeemed_twice(context: Context) -> None:
    context.target.redeem(context.shared.redeemed_code())


@probe("redeem", shows=(BY_ID["stats.follow-what-happened"],), quiet=True)
def counted(context: Context) -> None:
    target = context.target
    code = context.shared.redeemable_code()
    target.stats()
    target.redeem(code)
    target.stats()


@probe("redeem", shows=(ONCE,))
def concurrently(context: Context) -> None:
    """Eight redemptions of one fresh code at once: one at most may succeed."""
    target, code = context.target, context.shared.redeemable_code()

    def contend(_: int) -> None:
        with target.noting(race=True):
            target.redeem(code)

    with ThreadPoolExecutor(CONTENDERS, thread_name_prefix="redeem") as pool:
        list(pool.map(contend, range(CONTENDERS)))


@probe("redeem", shows=(UNREDEEMABLE,))
def code_nobody_has(context: Context) -> None:
    """A code nobody was given, then verified: a target that redeemed it finds it, or says it is not found."""
    code = made_up_code(context.target, context.settings.slug or "")
    context.target.redeem(code)
    context.target.verify(code)


@probe("redeem", shows=(BY_ID["codes.expire"],))
def expired_code(context: Context) -> None:
    code = context.shared.expired_batch().codes[1]
    context.target.redeem(code)
    context.target.verify(code)


@probe("redeem", shows=(UNREDEEMABLE,))
def code_of_ended_campaign(context: Context) -> None:
    slug = context.require("ended_slug")
    context.target.redeem(context.shared.campaign_code(slug, "ended"), slug=slug)


@probe("redeem", shows=(UNREDEEMABLE,))
def code_of_paused_campaign(context: Context) -> None:
    slug = context.require("paused_slug")
    context.target.redeem(context.shared.campaign_code(slug, "paused"), slug=slug)


@probe("redeem", shows=(BY_ID["isolation.partner"],))
def by_another_partner(context: Context) -> None:
    """Another partner's secret tries a fresh code of this partner's; verify then finds it untouched."""
    context.require("foreign_secret")
    code = context.shared.redeemable_code()
    context.target.redeem(code, secret=FOREIGN)
    context.target.verify(code)
