"""Redeem, an inferred contract (only its path is documented): run only when --operations names it.

What the other pages imply is checked: a fresh code of an active campaign can be redeemed once,
verify then says REDEEMED (the verify page's second example), and stats count it. What the
answers look like is inferred (D9), so a refusal may be any 4xx with the error envelope. Each
check redeems one code of a batch it generates itself; --read-only skips them all.
"""

from __future__ import annotations

import pytest

from .api import Api
from .checks.verify import STATUS_PREFIX
from .codes import fresh_code, require_active_campaign
from .expect import expect_client_error, expect_counts_changed, expect_success, expect_verdict

pytestmark = [pytest.mark.redeem, pytest.mark.creates]
REDEEMED = "REDEEMED"


def redeemable_code(api: Api) -> str:
    """A fresh code that verify calls redeemable; the check is skipped when --slug is not active."""
    code = fresh_code(api, points_value=11)
    verdict = api.verify(code)
    require_active_campaign(verdict, api.settings.slug)
    return code


def test_generated_code_redeemed(api: Api) -> None:
    expect_success(api.redeem(redeemable_code(api)))


def test_redeemed_code_verifies_redeemed(api: Api) -> None:
    code = redeemable_code(api)
    expect_success(api.redeem(code))
    expect_verdict(api.verify(code), valid=False, status=REDEEMED, message=f"{STATUS_PREFIX}{REDEEMED}")


def test_second_redemption_refused(api: Api) -> None:
    """A code is redeemed once: the second attempt is refused (which 4xx is inferred: any)."""
    code = redeemable_code(api)
    expect_success(api.redeem(code))
    expect_client_error(api.redeem(code))


def test_redemption_counted_in_stats(api: Api) -> None:
    """A redemption moves one code from activeCodes to redeemedCodes; totalCodes stays."""
    code = redeemable_code(api)
    before = api.stats()
    expect_success(before)
    expect_success(api.redeem(code))
    expect_counts_changed(
        before, api.stats(), {"totalCodes": 0, "activeCodes": -1, "redeemedCodes": 1}, "one redemption"
    )
