"""Redeem, run only when --operations names it: only its path is documented.

What the other pages imply is checked: a code is redeemed once (verify then says REDEEMED,
stats count it, a second try and all but one of concurrent tries are refused), and what verify
calls not redeemable cannot be redeemed. The body ({code, userId}) and the answer are inferred
(D9): a refusal may be any 4xx, and when the target will not redeem a fresh code with that body
at all, the checks that need a redemption are skipped as a failed precondition.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..api import FOREIGN
from ..checks import Violation
from ..checks.verify import ACTIVE, STATUS_PREFIX
from ..expect import expect_client_error, expect_counts_changed, expect_success, expect_verdict
from ._registry import Context, Skip, behaviour
from .shared import unknown_code

REDEEMED = "REDEEMED"
CONTENDERS = 8  # concurrent redemptions of one code


@behaviour("redeem")
def generated_code_redeemed(context: Context) -> None:
    expect_success(context.api.redeem(context.shared.redeemable_code(points_value=11)))


@behaviour("redeem")
def redeemed_code_verifies_redeemed(context: Context) -> None:
    code = context.shared.redeemed_code(points_value=11)
    expect_verdict(
        context.api.verify(code), valid=False, status=REDEEMED, message=f"{STATUS_PREFIX}{REDEEMED}"
    )


@behaviour("redeem")
def second_redemption_refused(context: Context) -> None:
    """A code is redeemed once: the second attempt is refused (which 4xx is inferred: any)."""
    expect_client_error(context.api.redeem(context.shared.redeemed_code()))


@behaviour("redeem", quiet=True)
def redemption_counted_in_stats(context: Context) -> None:
    """A redemption moves one code from activeCodes to redeemedCodes; totalCodes stays."""
    api = context.api
    code = context.shared.redeemable_code()
    before = api.stats()
    expect_success(before)
    redeemed = api.redeem(code)
    if not redeemed.succeeded:
        raise Skip(
            f"precondition failed: the target did not redeem a fresh code: {redeemed.describe_answer(120)}"
        )
    expect_counts_changed(
        before, api.stats(), {"totalCodes": 0, "activeCodes": -1, "redeemedCodes": 1}, "one redemption"
    )


@behaviour("redeem")
def concurrent_redemptions_one_succeeds(context: Context) -> None:
    """Of concurrent redemptions of one fresh code, exactly one succeeds."""
    api, code = context.api, context.shared.redeemable_code()
    with ThreadPoolExecutor(CONTENDERS, thread_name_prefix="redeem") as pool:
        answers = list(pool.map(lambda _: api.redeem(code), range(CONTENDERS)))
    succeeded = [answer for answer in answers if answer.succeeded]
    if not succeeded:
        context.shared.redeemed_code()  # one alone, to tell a target that redeems nothing (Skip) apart
    if len(succeeded) != 1:
        statuses = sorted(answer.status for answer in answers)
        raise Violation(
            f"Expected exactly one of {CONTENDERS} concurrent redemptions of {code} to succeed; "
            f"{len(succeeded)} did (statuses {statuses})",
            (succeeded or answers)[-1],
        )
    for answer in answers:
        if answer is not succeeded[0]:
            expect_client_error(answer)


@behaviour("redeem")
def unknown_code_refused(context: Context) -> None:
    expect_client_error(context.api.redeem(unknown_code(context.settings.slug)))


@behaviour("redeem")
def expired_code_refused(context: Context) -> None:
    code = context.shared.expired_batch().codes[1]
    expect_client_error(context.api.redeem(code))
    verdict = context.api.verify(code)
    if verdict.data.get("status") == REDEEMED:
        raise Violation(f"Expected the expired code {code} to stay unredeemed; verify says REDEEMED", verdict)


@behaviour("redeem")
def ended_campaign_code_refused(context: Context) -> None:
    slug = context.require("ended_slug")
    expect_client_error(context.api.redeem(context.shared.campaign_code(slug, "ended"), slug=slug))


@behaviour("redeem")
def paused_campaign_code_refused(context: Context) -> None:
    slug = context.require("paused_slug")
    expect_client_error(context.api.redeem(context.shared.campaign_code(slug, "paused"), slug=slug))


@behaviour("redeem")
def foreign_secret_cannot_redeem(context: Context) -> None:
    """Another partner's secret cannot redeem a code of this partner: refused, and the code stays ACTIVE."""
    context.require("foreign_secret")
    code = context.shared.redeemable_code()
    expect_client_error(context.api.redeem(code, secret=FOREIGN))
    expect_verdict(context.api.verify(code), status=ACTIVE)
