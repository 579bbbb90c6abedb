"""Verify: a fresh code is redeemable, an unknown one is a 200 Code not found, and a code tells its
state (expired, or of an ended or paused campaign) to its partner only.

Verify creates nothing; the checks that first generate a code are skipped by --read-only.
"""

from __future__ import annotations

from ..api import FOREIGN, OTHER_ENV
from ..checks.verify import ACTIVE, CAMPAIGN_ENDED, CAMPAIGN_NOT_ACTIVE, NOT_FOUND, STATUS_PREFIX, VALID
from ..expect import expect_not_found, expect_not_server_error, expect_refused_or_not_valid, expect_verdict
from ..operations import VERIFY
from ._registry import Context, behaviour
from .shared import require_active_campaign, unknown_code

EXPIRED = "EXPIRED"
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


@behaviour("verify", creates=True)
def generated_code_verifies_valid(context: Context) -> None:
    """A code just generated for --slug is valid, ACTIVE and 'Code is valid and redeemable'.

    Its pointsValue and campaignSlug are judged on every verify answer by
    verify_matches_generated_batch. Precondition: --slug is an active campaign.
    """
    verdict = context.api.verify(context.shared.fresh_code(points_value=37))
    require_active_campaign(verdict, context.settings.slug)
    expect_verdict(verdict, valid=True, status=ACTIVE, message=VALID)


@behaviour("verify")
def unknown_code_not_found(context: Context) -> None:
    """An unknown code is still a 200: valid false, Code not found (zero values: verify_not_found_empty)."""
    expect_verdict(context.api.verify(unknown_code(context.settings.slug)), valid=False, message=NOT_FOUND)


@behaviour("verify", cases=SPELLINGS)
def code_spelling_not_server_error(context: Context, spelling: object) -> None:
    # Whether lookups ignore case and trim white space is open (D5 decides it): anything but a crash.
    code = unknown_code(context.settings.slug)
    expect_not_server_error(context.api.verify(spelling(code)))  # type: ignore[operator]


@behaviour("verify", cases=BODIES_WITHOUT_CODE)
def body_without_code_refused(context: Context, body: bytes) -> None:
    expect_refused_or_not_valid(context.api.call(VERIFY, raw=body))


@behaviour("verify", creates=True)
def foreign_secret_code_not_found(context: Context) -> None:
    """Another partner's secret finds none of this partner's codes: Code not found, the empty fields."""
    context.require("foreign_secret")
    code = context.shared.fresh_code()
    expect_not_found(context.api.verify(code, secret=FOREIGN))


@behaviour("verify", creates=True)
def other_env_code_not_found(context: Context) -> None:
    """The other environment's secret finds none of this environment's codes."""
    context.require("other_env_secret")
    code = context.shared.fresh_code()
    expect_not_found(context.api.verify(code, secret=OTHER_ENV))


@behaviour("verify", creates=True)
def ended_campaign_code_refused(context: Context) -> None:
    """A code of a campaign whose end date passed: valid false, Campaign has ended, expired true."""
    code = context.shared.campaign_code(context.require("ended_slug"), "ended")
    expect_verdict(context.api.verify(code), valid=False, message=CAMPAIGN_ENDED, expired=True)


@behaviour("verify", creates=True)
def paused_campaign_code_refused(context: Context) -> None:
    """A code of a paused campaign: valid false, Campaign is not active."""
    code = context.shared.campaign_code(context.require("paused_slug"), "paused")
    expect_verdict(context.api.verify(code), valid=False, message=CAMPAIGN_NOT_ACTIVE)


@behaviour("verify", creates=True)
def expired_code_verifies_expired(context: Context) -> None:
    """A code past its batch's expiresAt is EXPIRED, and not valid; `expired` stays false, as it
    speaks of the campaign, which is running."""
    batch = context.shared.expired_batch()
    verdict = context.api.verify(batch.codes[0])
    require_active_campaign(verdict, context.settings.slug)
    expect_verdict(verdict, valid=False, status=EXPIRED, message=f"{STATUS_PREFIX}{EXPIRED}", expired=False)
