"""Each named response check passes a conforming answer and catches its planted bug."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import requests

from conformance.checks import RESPONSE_CHECKS, Violation, checks_for
from conformance.exchange import CONFIGURED, Exchange, decode_json
from conformance.ledger import GeneratedBatch, Ledger
from conformance.operations import BATCHES, GENERATE, REDEEM, STATS, VERIFY, Operation

BATCH = {
    "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
    "batchSize": 3,
    "pointsValue": 500,
    "label": "In-store promo cards",
    "expiresAt": "2030-12-31T23:59:59Z",
    "createdAt": "2025-07-15T10:00:00Z",
}
ASKED = {
    "slug": "summer-promo",
    "batchSize": 3,
    "pointsValue": 500,
    "label": BATCH["label"],
    "expiresAt": "2030-12-31T23:59:59.250Z",
}
GENERATED = {
    "batch": BATCH,
    "codes": ["SUMM-AX7K9M2P", "SUMM-BF3D8N4Q", "SUMM-CG5H2R6T"],
    "count": 3,
    "gameUrl": "https://app.gamifyhost.com/campaign/summer-promo",
}
OLDER = {**BATCH, "id": "b2c3d4e5-f6a7-8901-bcde-f12345678901", "createdAt": "2025-07-10T14:30:00Z"}
LISTED = {"batches": [BATCH, OLDER], "total": 2, "page": 1, "limit": 20}
# The verify page's first example: a code of the docs' batch, ready to redeem.
VERIFIED = {
    "valid": True,
    "status": "ACTIVE",
    "pointsValue": 500,
    "campaignName": "Summer Promo 2025",
    "campaignSlug": "summer-promo",
    "expired": False,
    "message": "Code is valid and redeemable",
}
# The other verdicts the docs and D7 give.
REDEEMED = {**VERIFIED, "valid": False, "status": "REDEEMED", "message": "Code status is REDEEMED"}
ENDED = {**VERIFIED, "valid": False, "expired": True, "message": "Campaign has ended"}
NOT_FOUND = {
    **VERIFIED,
    "valid": False,
    "status": "",
    "pointsValue": 0,
    "campaignName": "",
    "campaignSlug": "",
    "message": "Code not found",
}
STATS_EXAMPLE = {
    "totalCodes": 150,
    "activeCodes": 120,
    "redeemedCodes": 25,
    "expiredCodes": 3,
    "revokedCodes": 2,
    "totalBatches": 3,
}
REDEMPTION = {
    "code": "SUMM-AX7K9M2P",
    "userId": "user-42",
    "pointsAwarded": 500,
    "batchId": BATCH["id"],
    "campaignSlug": "summer-promo",
    "redeemedAt": "2025-07-20T12:00:00Z",
}


def exchange(
    operation: Operation, data: Any, *, body: Any = None, query: str = "", status: int = 200
) -> Exchange:
    url = f"http://testserver{operation.path.replace('{slug}', 'summer-promo')}{query}"
    request = requests.Request(operation.method, url, json=body).prepare()
    payload = {"status": "success", "data": data} if status < 400 else data
    return Exchange(operation, request, status, str(payload), decode_json(request.body), payload)


def generated(change=lambda data: None, **asked: Any) -> Exchange:
    data = copy.deepcopy(GENERATED)
    change(data)
    return exchange(GENERATE, data, body={**ASKED, **asked})


def listed(change=lambda data: None, query: str = "?slug=summer-promo") -> Exchange:
    data = copy.deepcopy(LISTED)
    change(data)
    return exchange(BATCHES, data, query=query)


def verified(change=lambda data: None, answer: dict = VERIFIED, code: str = "SUMM-AX7K9M2P") -> Exchange:
    data = copy.deepcopy(answer)
    change(data)
    return exchange(VERIFY, data, body={"code": code})


def counted(change=lambda data: None) -> Exchange:
    data = copy.deepcopy(STATS_EXAMPLE)
    change(data)
    return exchange(STATS, data, query="?slug=summer-promo")


def redeemed(change=lambda data: None) -> Exchange:
    data = copy.deepcopy(REDEMPTION)
    change(data)
    return exchange(REDEEM, data, body={"code": REDEMPTION["code"], "userId": REDEMPTION["userId"]})


# check -> an answer that breaks exactly its rule
PLANTED = {
    "codes_count_matches_request": lambda: generated(lambda d: d["codes"].pop()),
    "codes_unique_in_batch": lambda: generated(lambda d: d["codes"].__setitem__(2, d["codes"][0])),
    "codes_unique_across_batches": lambda: generated(lambda d: d["codes"].__setitem__(0, "SUMM-ZZZZ2222")),
    "code_prefix": lambda: generated(lambda d: d["codes"].__setitem__(1, "SUMR-BF3D8N4Q")),
    "code_random_part": lambda: generated(lambda d: d["codes"].__setitem__(1, "SUMM-BF3D8N4L")),
    "batch_echoes_request": lambda: generated(lambda d: d["batch"].update(expiresAt="2030-12-31T22:59:59Z")),
    "batch_id_is_uuid": lambda: generated(lambda d: d["batch"].update(id="batch-1")),
    "created_at_is_rfc3339": lambda: generated(lambda d: d["batch"].update(createdAt="2025-07-15 10:00")),
    "game_url_names_campaign": lambda: generated(lambda d: d.update(gameUrl="https://app.gamifyhost.com/")),
    "listing_has_no_codes": lambda: listed(lambda d: d["batches"][0].update(codes=["SUMM-AX7K9M2P"])),
    "listing_echoes_pagination": lambda: listed(query="?slug=summer-promo&page=2"),
    "listing_within_limit": lambda: listed(lambda d: d.update(limit=1, total=2)),
    "listing_total_consistent": lambda: listed(lambda d: d.update(total=3)),
    "error_envelope": lambda: exchange(BATCHES, {"status": "error", "code": 400, "message": ""}, status=404),
    "verify_valid_iff_redeemable": lambda: verified(lambda d: d.update(valid=False)),
    "verify_valid_code_active": lambda: verified(lambda d: d.update(status="REVOKED")),
    "verify_found_status_known": lambda: verified(lambda d: d.update(status="USED"), REDEEMED),
    "verify_status_named_in_message": lambda: verified(lambda d: d.update(status="EXPIRED"), REDEEMED),
    "verify_not_found_empty": lambda: verified(lambda d: d.update(campaignSlug="summer-promo"), NOT_FOUND),
    "verify_ended_campaign_expired": lambda: verified(lambda d: d.update(expired=False), ENDED),
    "verify_finds_generated_code": lambda: verified(answer=NOT_FOUND),
    "verify_matches_generated_batch": lambda: verified(lambda d: d.update(pointsValue=499)),
    "stats_add_up": lambda: counted(lambda d: d.update(activeCodes=121)),
    "stats_codes_within_batches": lambda: counted(lambda d: d.update(totalBatches=0)),
    "redemption_awards_code_points": lambda: redeemed(lambda d: d.update(pointsAwarded=499)),
}


def ledger_with_earlier_batch() -> Ledger:
    """A run that handed out SUMM-ZZZZ2222 in an earlier batch, and the docs' batch of 500 points."""
    ledger = Ledger()
    earlier = GeneratedBatch("an-earlier-batch", "summer-promo", 500, CONFIGURED)
    docs_batch = GeneratedBatch(BATCH["id"], "summer-promo", BATCH["pointsValue"], CONFIGURED)
    ledger.batch_of_code["SUMM-ZZZZ2222"] = earlier
    ledger.batch_of_code.update(dict.fromkeys(GENERATED["codes"], docs_batch))
    return ledger


def violations(answer: Exchange, ledger: Ledger) -> set[str]:
    found = set()
    for check in checks_for(answer.operation.name):
        if check.applies_to(answer):
            try:
                check.function(answer, ledger)
            except Violation:
                found.add(check.name)
    return found


def test_every_check_has_a_planted_bug() -> None:
    assert {check.name for check in RESPONSE_CHECKS} == set(PLANTED)


CONFORMING = {
    "generate": generated,
    "batches": listed,
    "verify-valid": verified,
    "verify-redeemed": lambda: verified(answer=REDEEMED),
    "verify-ended": lambda: verified(answer=ENDED),
    "verify-not-found": lambda: verified(answer=NOT_FOUND, code="SUMM-UNKNOWN2"),
    # The docs describe the not-found fields only as empty, and say nothing of status: null is sane.
    "verify-not-found-nulls": lambda: verified(
        lambda d: d.update(status=None, campaignName=None, campaignSlug=None), NOT_FOUND, code="SUMM-UNKNOWN2"
    ),
    "stats": counted,
    "redeem": redeemed,
    "error": lambda: exchange(
        REDEEM, {"status": "error", "code": 409, "message": "Code status is REDEEMED"}, status=409
    ),
}


@pytest.mark.parametrize("answer", CONFORMING.values(), ids=CONFORMING.keys())
@pytest.mark.parametrize("ledger", [Ledger, ledger_with_earlier_batch], ids=["no-codes-seen", "codes-seen"])
def test_conforming_answers_pass_every_check(
    answer: Callable[[], Exchange], ledger: Callable[[], Ledger]
) -> None:
    assert violations(answer(), ledger()) == set()


@pytest.mark.parametrize(("check", "planted"), PLANTED.items(), ids=PLANTED.keys())
def test_check_catches_its_planted_bug(check: str, planted) -> None:
    found = violations(planted(), ledger_with_earlier_batch())
    assert check in found


def test_messages_say_what_was_expected_and_received() -> None:
    with pytest.raises(Violation, match=r"Expected 3 codes .*; received codes 2"):
        next(c for c in RESPONSE_CHECKS if c.name == "codes_count_matches_request").function(
            PLANTED["codes_count_matches_request"](), Ledger()
        )


def test_stats_message_shows_the_sum() -> None:
    check = next(c for c in RESPONSE_CHECKS if c.name == "stats_add_up")
    expected = r"Expected totalCodes = activeCodes 121 .* = 151; received totalCodes 150"
    with pytest.raises(Violation, match=expected):
        check.function(PLANTED["stats_add_up"](), Ledger())


def test_prefix_rule_leaves_decided_slugs_alone() -> None:
    answer = exchange(
        GENERATE, {**GENERATED, "codes": ["AB-C-AX7K9M2P"]}, body={**ASKED, "slug": "ab-c-promo"}
    )
    check = next(c for c in RESPONSE_CHECKS if c.name == "code_prefix")
    check.function(answer, Ledger())  # D5 decides hyphens in the prefix; nothing documented to check


def test_a_code_of_the_run_is_not_found_by_another_partner_without_a_violation() -> None:
    # The code was generated with the --api-secret; the foreign secret must not find it.
    answer = replace(verified(answer=NOT_FOUND, code=GENERATED["codes"][0]), identity="foreign")
    assert violations(answer, ledger_with_earlier_batch()) == set()
    as_owner = verified(answer=NOT_FOUND, code=GENERATED["codes"][0])
    assert "verify_finds_generated_code" in violations(as_owner, ledger_with_earlier_batch())


@pytest.mark.parametrize(
    ("change", "echoed"),
    [
        pytest.param(lambda asked: asked.update(label="x" * 300), True, id="label-past-plain"),
        pytest.param(lambda asked: asked.update(pointsValue=10**12), True, id="points-past-plain"),
        pytest.param(lambda asked: asked.update(expiresAt="soon"), True, id="expiry-not-an-instant"),
        pytest.param(lambda asked: asked.update(label="Till receipts"), False, id="plain-label"),
    ],
)
def test_a_batch_must_echo_plain_values_only(change: Callable[[dict], None], echoed: bool) -> None:
    asked = dict(ASKED)
    change(asked)
    found = violations(generated(**asked), Ledger())
    assert ("batch_echoes_request" not in found) == echoed
