"""Codes for the behaviour checks: one nobody was handed, a fresh one, and the campaign state they need."""

from __future__ import annotations

import secrets

import pytest

from .api import Api
from .checks import Violation
from .checks.verify import CAMPAIGN_ENDED, CAMPAIGN_NOT_ACTIVE
from .exchange import Exchange
from .expect import expect_success

# The generate page's format: 4 characters of the slug, a hyphen, 8 of a reduced charset.
PREFIX_LENGTH, RANDOM_LENGTH = 4, 8
RANDOM_CHARACTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def unknown_code(slug: str) -> str:
    """A code of `slug`'s format that no one was handed (one chance in 31^8 of hitting one)."""
    random_part = "".join(secrets.choice(RANDOM_CHARACTERS) for _ in range(RANDOM_LENGTH))
    return f"{slug[:PREFIX_LENGTH].upper()}-{random_part}"


def fresh_code(api: Api, points_value: int) -> str:
    """The one code of a new batch of --slug, worth `points_value` and without expiry."""
    exchange = api.generate(batchSize=1, pointsValue=points_value)
    expect_success(exchange)
    codes = exchange.data.get("codes")
    if not isinstance(codes, list) or not codes or not isinstance(codes[0], str):
        raise Violation(
            f"Expected a code in the generate answer; received {exchange.describe_answer()}", exchange
        )
    return codes[0]


def require_active_campaign(verdict: Exchange, slug: str) -> None:
    """Skip the check, as a failed precondition, when verify says --slug is paused, a draft or over.

    The docs make 'Campaign is not active' and 'Campaign has ended' right answers for a code of
    such a campaign, and the suite cannot know the state of a deployment's campaign: whoever runs
    it must point --slug at an active one. Any other answer is the check's to judge.
    """
    message = verdict.data.get("message")
    if verdict.status == 200 and message in (CAMPAIGN_NOT_ACTIVE, CAMPAIGN_ENDED):
        pytest.skip(
            f"precondition failed: verify of a fresh code of {slug} answered {message!r}; "
            "this check needs --slug to be an active campaign"
        )
