"""Each check of the catalogue catches its planted bug, in the exchanges a judge is fed, and passes the
same traffic without it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.judge import Exchange, Judge, Roles
from conformance.judge.operations import BATCHES, GENERATE, REDEEM, STATS, VERIFY, Operation
from conformance.judge.rules import RULES

ACME, LIVE, GLOBEX = "sk_test_acme_mock_secret", "sk_live_acme_mock_secret", "sk_test_globex_mock_secret"
REVOKED, INACTIVE = "sk_test_acme_revoked_secret", "sk_test_initech_inactive_app"
CREATED = "2025-07-15T10:00:00Z"
NOW = datetime(2025, 7, 15, 10, 0, 0, tzinfo=UTC).timestamp()
BATCH = {
    "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
    "batchSize": 3,
    "pointsValue": 500,
    "label": "In-store promo cards",
    "expiresAt": "2030-12-31T23:59:59Z",
    "createdAt": CREATED,
}
CODES = ["SUMM-AX7K9M2P", "SUMM-BF3D8N4Q", "SUMM-CG5H2R6T"]
ASKED = {
    "slug": "summer-promo",
    "batchSize": 3,
    "pointsValue": 500,
    "label": BATCH["label"],
    "expiresAt": BATCH["expiresAt"],
}
PLAIN = {"slug": "summer-promo", "batchSize": 3, "pointsValue": 500}
GENERATED = {
    "batch": BATCH,
    "codes": CODES,
    "count": 3,
    "gameUrl": "https://app.gamifyhost.com/campaign/summer-promo",
}
OLDER = {**BATCH, "id": "b2c3d4e5-f6a7-8901-bcde-f12345678901", "createdAt": "2025-07-10T14:30:00Z"}
LISTED = {"batches": [BATCH, OLDER], "total": 2, "page": 1, "limit": 20}
VERIFIED = {
    "valid": True,
    "status": "ACTIVE",
    "pointsValue": 500,
    "campaignName": "Summer Promo 2025",
    "campaignSlug": "summer-promo",
    "expired": False,
    "message": "Code is valid and redeemable",
}
REDEEMED = {**VERIFIED, "valid": False, "status": "REDEEMED", "message": "Code status is REDEEMED"}
EXPIRED = {**VERIFIED, "valid": False, "status": "EXPIRED", "message": "Code status is EXPIRED"}
ENDED = {**VERIFIED, "valid": False, "expired": True, "message": "Campaign has ended"}
NOT_FOUND = {
    **VERIFIED, "valid": False, "status": "", "pointsValue": 0, "campaignName": "", "campaignSlug": "",
    "message": "Code not found",
}  # fmt: skip
STATS_DATA = {
    "totalCodes": 150,
    "activeCodes": 48,
    "redeemedCodes": 1,
    "expiredCodes": 100,
    "revokedCodes": 1,
    "totalBatches": 2,
}
REDEMPTION = {"code": CODES[0], "userId": "user-42", "pointsAwarded": 500, "batchId": BATCH["id"],
              "campaignSlug": "summer-promo", "redeemedAt": CREATED}  # fmt: skip


class Traffic:
    """Exchanges of one story, one second apart, fed to a judge of the fixtures' secrets."""

    def __init__(self, own_codes: bool = False, sole_client: bool = False) -> None:
        roles = Roles.of(
            {
                "api": ("GAMIFYHOST_API_SECRET", ACME),
                "foreign": ("GAMIFYHOST_FOREIGN_SECRET", GLOBEX),
                "other-env": ("GAMIFYHOST_OTHER_ENV_SECRET", LIVE),
                "revoked": ("GAMIFYHOST_REVOKED_SECRET", REVOKED),
                "inactive": ("GAMIFYHOST_INACTIVE_SECRET", INACTIVE),
            }
        )
        slugs = {"autumn-2024": "ended", "spring-launch": "paused", "winter-sale": "foreign"}
        self.judge = Judge(roles, slugs, own_codes=own_codes, sole_client=sole_client)
        self.moment = NOW

    def send(
        self,
        operation: Operation,
        data: Any = None,
        *,
        body: Any = None,
        query: str = "",
        status: int = 200,
        secret: str | None = ACME,
        payload: Any = None,
        content_type: str = "application/json",
        slug: str = "summer-promo",
        raw: bytes | None = None,
    ) -> set[str]:
        """Feed one exchange; the checks it broke."""
        if payload is None:
            payload = {"status": "success", "data": data} if status < 400 else data
        headers = {} if secret is None else {"x-api-secret": secret}
        request_body = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if request_body is not None:
            headers["content-type"] = "application/json"
        self.moment += 1
        exchange = Exchange(
            method=operation.method,
            url=f"http://testserver{operation.path.replace('{slug}', slug)}{query}",
            request_headers=headers,
            request_body=request_body,
            status=status,
            response_headers={"content-type": content_type},
            response_body=json.dumps(payload).encode(),
            started=self.moment,
            ended=self.moment + 0.01,
            index=self.judge.next_index(),
        )
        return {finding.check for finding in self.judge.judge(exchange)}

    def generate(
        self, change: Callable[[dict], None] = lambda data: None, secret: str = ACME, **asked: Any
    ) -> set[str]:
        data = copy.deepcopy(GENERATED)
        change(data)
        return self.send(GENERATE, data, body={**ASKED, **asked}, secret=secret)

    def listed(
        self, change: Callable[[dict], None] = lambda data: None, query: str = "?slug=summer-promo", **kw: Any
    ) -> set[str]:
        data = copy.deepcopy(LISTED)
        change(data)
        return self.send(BATCHES, data, query=query, **kw)

    def verify(
        self,
        answer: dict = VERIFIED,
        code: str = CODES[0],
        change: Callable[[dict], None] = lambda d: None,
        **kw: Any,
    ) -> set[str]:
        data = copy.deepcopy(answer)
        change(data)
        return self.send(VERIFY, data, body={"code": code}, **kw)

    def stats(self, change: Callable[[dict], None] = lambda data: None, **kw: Any) -> set[str]:
        data = copy.deepcopy(STATS_DATA)
        change(data)
        return self.send(STATS, data, query="?slug=summer-promo", **kw)

    def redeem(self, data: Any = REDEMPTION, code: str = CODES[0], status: int = 200, **kw: Any) -> set[str]:
        payload = (
            None
            if status < 400
            else {"status": "error", "code": status, "message": "Code status is REDEEMED"}
        )
        return self.send(
            REDEEM, data, body={"code": code, "userId": "user-42"}, status=status, payload=payload, **kw
        )


def error(status: int, message: str) -> dict[str, Any]:
    return {"status": "error", "code": status, "message": message}


def made_up(traffic: Traffic, **what: str) -> Traffic:
    traffic.judge.made_up(**what)
    return traffic


def expired(data: dict) -> None:
    data["batch"]["expiresAt"] = "2025-07-14T00:00:00Z"


# check -> a story whose last exchange breaks exactly that check's rule (it returns what it broke).
PLANTED: dict[str, Callable[[Traffic], set[str]]] = {
    "missing_secret_rejected": lambda t: t.listed(secret=None),
    "made_up_secret_rejected": lambda t: made_up(t, secret="sk_test_nobody").listed(secret="sk_test_nobody"),
    "revoked_secret_refused": lambda t: t.listed(secret=REVOKED),
    "inactive_secret_refused": lambda t: t.stats(secret=INACTIVE),
    "made_up_slug_not_found": lambda t: made_up(t, slug="nobodys").listed(query="?slug=nobodys"),
    "foreign_slug_refused": lambda t: t.listed(query="?slug=winter-sale"),
    "not_found_is_campaign_not_found": lambda t: t.send(
        STATS, error(404, "No such thing"), query="?slug=x", status=404
    ),
    "content_type_conformance": lambda t: t.send(
        BATCHES, LISTED, query="?slug=summer-promo", content_type="text/plain"
    ),
    "error_envelope": lambda t: t.send(BATCHES, error(400, ""), query="?slug=summer-promo", status=400),
    "not_a_server_error": lambda t: t.send(
        BATCHES, error(500, "Oops"), query="?slug=summer-promo", status=500
    ),
    "status_code_conformance": lambda t: t.send(GENERATE, GENERATED, body=ASKED, status=201),
    "response_schema_conformance": lambda t: t.listed(lambda d: d.pop("total")),
    "negative_data_rejection": lambda t: t.generate(batchSize=3.7),
    "positive_data_acceptance": lambda t: (
        t.listed(),
        t.send(GENERATE, error(400, "No"), body=ASKED, status=400),
    )[1],
    "batch_size_out_of_range_refused": lambda t: t.send(
        GENERATE, error(400, "Invalid"), body={**PLAIN, "batchSize": 0}, status=400
    ),
    "points_value_not_positive_refused": lambda t: t.send(
        GENERATE, error(400, "Invalid"), body={**PLAIN, "pointsValue": 0}, status=400
    ),
    "codes_count_matches_request": lambda t: t.generate(lambda d: d["codes"].pop()),
    "codes_unique_in_batch": lambda t: t.generate(lambda d: d["codes"].__setitem__(2, d["codes"][0])),
    "codes_unique_across_batches": lambda t: (
        t.generate(),
        t.generate(lambda d: d["batch"].update(id=OLDER["id"])),
    )[1],
    "code_prefix": lambda t: t.generate(lambda d: d["codes"].__setitem__(1, "SUMR-BF3D8N4Q")),
    "code_random_part": lambda t: t.generate(lambda d: d["codes"].__setitem__(1, "SUMM-BF3D8N4L")),
    "batch_echoes_request": lambda t: t.generate(
        lambda d: d["batch"].update(expiresAt="2030-12-31T22:59:59Z")
    ),
    "game_url_names_campaign": lambda t: t.generate(
        lambda d: d.update(gameUrl="https://app.gamifyhost.com/")
    ),
    "listing_has_no_codes": lambda t: (
        t.generate(),
        t.listed(lambda d: d["batches"][0].update(note=CODES[1])),
    )[1],
    "listing_echoes_pagination": lambda t: t.listed(query="?slug=summer-promo&page=2"),
    "listing_within_limit": lambda t: t.listed(lambda d: d.update(limit=1, total=2)),
    "listing_total_consistent": lambda t: t.listed(lambda d: d.update(total=3)),
    "pages_agree": lambda t: (
        t.listed(lambda d: d.update(batches=[BATCH], limit=1), query="?slug=summer-promo&limit=1"),
        t.listed(lambda d: d.update(batches=[OLDER], limit=1), query="?slug=summer-promo&limit=1"),
    )[1],
    "generated_batch_listed": lambda t: (
        t.generate(),
        t.listed(lambda d: d.update(batches=[OLDER], total=1)),
    )[1],
    "counts_follow_what_happened": lambda t: (t.stats(), t.generate(), t.stats())[2],
    "verify_valid_iff_redeemable": lambda t: t.verify(change=lambda d: d.update(valid=False)),
    "verify_valid_code_active": lambda t: t.verify(change=lambda d: d.update(status="REVOKED")),
    "verify_found_status_known": lambda t: t.verify(REDEEMED, change=lambda d: d.update(status="USED")),
    "verify_status_named_in_message": lambda t: t.verify(
        REDEEMED, change=lambda d: d.update(status="EXPIRED")
    ),
    "verify_not_found_empty": lambda t: t.verify(
        NOT_FOUND, change=lambda d: d.update(campaignSlug="summer-promo")
    ),
    "verify_ended_campaign_expired": lambda t: t.verify(ENDED, change=lambda d: d.update(expired=False)),
    "made_up_code_not_found": lambda t: made_up(t, code="SUMM-ZZZZ2222").verify(
        REDEEMED, code="SUMM-ZZZZ2222"
    ),
    "verify_finds_generated_code": lambda t: (t.generate(), t.verify(NOT_FOUND))[1],
    "verify_matches_generated_batch": lambda t: (
        t.generate(),
        t.verify(change=lambda d: d.update(pointsValue=3)),
    )[1],
    "redeemed_code_not_valid_again": lambda t: (t.generate(), t.redeem(), t.verify())[2],
    "expired_code_not_valid": lambda t: (t.generate(expired), t.verify())[1],
    "own_code_verifies_as_it_stands": lambda t: (t.generate(), t.verify(REDEEMED))[1],
    "closed_campaign_code_refused": lambda t: (t.generate(slug="autumn-2024"), t.verify())[1],
    "code_invisible_to_other_environment": lambda t: (t.generate(), t.verify(secret=LIVE))[1],
    "code_invisible_to_other_partner": lambda t: (t.generate(), t.verify(secret=GLOBEX))[1],
    "batches_invisible_to_other_environment": lambda t: (t.generate(), t.listed(secret=LIVE))[1],
    "batches_invisible_to_other_partner": lambda t: (t.generate(), t.listed(secret=GLOBEX))[1],
    "code_unredeemable_in_other_environment": lambda t: (t.generate(), t.redeem(secret=LIVE))[1],
    "code_unredeemable_by_other_partner": lambda t: (t.generate(), t.redeem(secret=GLOBEX))[1],
    "foreign_campaign_not_found": lambda t: (
        t.listed(),
        t.send(STATS, error(400, "No"), query="?slug=summer-promo", status=400, secret=GLOBEX),
    )[1],
    "redeemed_once": lambda t: (t.generate(), t.redeem(), t.redeem())[2],
    "made_up_code_not_redeemed": lambda t: made_up(t, code="SUMM-ZZZZ2222").redeem(code="SUMM-ZZZZ2222"),
    "expired_code_not_redeemed": lambda t: (t.generate(expired), t.redeem())[1],
    "closed_campaign_code_not_redeemed": lambda t: (
        t.generate(slug="spring-launch"),
        t.redeem(slug="spring-launch"),
    )[1],
    "redemption_awards_code_points": lambda t: (t.generate(), t.redeem({**REDEMPTION, "pointsAwarded": 3}))[
        1
    ],
    "own_code_redeemed": lambda t: (t.generate(), t.verify(), t.redeem(status=400))[2],
    "stats_add_up": lambda t: t.stats(lambda d: d.update(activeCodes=49)),
    "stats_codes_within_batches": lambda t: t.stats(lambda d: d.update(totalBatches=151)),
}
# The same stories, with the bug mended: nothing breaks.
MENDED: dict[str, Callable[[Traffic], set[str]]] = {
    "missing_secret_rejected": lambda t: t.send(
        BATCHES,
        error(401, "Missing X-API-Secret header"),
        query="?slug=summer-promo",
        status=401,
        secret=None,
    ),
    "foreign_slug_refused": lambda t: t.send(
        BATCHES, error(403, "Forbidden"), query="?slug=winter-sale", status=403
    ),
    "generated_batch_listed": lambda t: (
        t.generate(),
        t.listed(lambda d: d.update(batches=[BATCH, OLDER], total=2)),
    )[1],
    "counts_follow_what_happened": lambda t: (
        t.stats(),
        t.generate(),
        t.stats(lambda d: d.update(totalBatches=3, totalCodes=153, activeCodes=51)),
    )[2],
    "redeemed_code_not_valid_again": lambda t: (t.generate(), t.redeem(), t.verify(REDEEMED))[2],
    "expired_code_not_valid": lambda t: (t.generate(expired), t.verify(EXPIRED))[1],
    "code_invisible_to_other_environment": lambda t: (t.generate(), t.verify(NOT_FOUND, secret=LIVE))[1],
    "foreign_campaign_not_found": lambda t: (
        t.listed(),
        t.send(STATS, error(403, "No"), query="?slug=summer-promo", status=403, secret=GLOBEX),
    )[1],
    "redemption_awards_code_points": lambda t: (t.generate(), t.redeem({"redeemed": True, "points": 500}))[1],
    "own_code_redeemed": lambda t: (t.generate(), t.verify(), t.redeem())[2],
    "pages_agree": lambda t: (
        t.listed(lambda d: d.update(batches=[BATCH], limit=1), query="?slug=summer-promo&limit=1"),
        t.listed(
            lambda d: d.update(batches=[OLDER], page=2, limit=1), query="?slug=summer-promo&page=2&limit=1"
        ),
    )[1],
}


def every_check() -> set[str]:
    return {each.check.name for rule in RULES for each in rule.checks}


def test_every_check_of_the_catalogue_has_a_planted_bug() -> None:
    assert every_check() == set(PLANTED)


@pytest.mark.parametrize("check", sorted(PLANTED))
def test_a_check_catches_its_planted_bug(check: str) -> None:
    own = check.startswith("own_code")
    assert check in PLANTED[check](Traffic(own_codes=own))


@pytest.mark.parametrize("check", sorted(MENDED))
def test_the_same_story_without_the_bug_breaks_nothing(check: str) -> None:
    own = check.startswith("own_code")
    assert MENDED[check](Traffic(own_codes=own)) == set()


def test_a_plain_session_breaks_nothing() -> None:
    traffic = Traffic(own_codes=True)
    assert traffic.listed() == set()
    assert traffic.stats() == set()
    new = {**BATCH, "id": "c3d4e5f6-a7b8-9012-cdef-123456789012", "createdAt": "2025-07-15T10:00:03Z"}
    assert traffic.generate(lambda d: d.update(batch=new)) == set()
    assert traffic.listed(lambda d: d.update(batches=[new, BATCH, OLDER], total=3)) == set()
    assert traffic.verify() == set()
    assert traffic.redeem() == set()
    assert traffic.verify(REDEEMED) == set()
    assert traffic.redeem(status=409) == set()
    assert traffic.verify(NOT_FOUND, code="SUMM-UNKNOWN2") == set()
    assert (
        traffic.stats(lambda d: d.update(totalCodes=153, activeCodes=50, redeemedCodes=2, totalBatches=3))
        == set()
    )
    assert traffic.judge.books.errors == []


def test_another_client_may_have_done_what_the_judge_did_not_see() -> None:
    """Partial sight: counts may grow more than seen, a code seen generated may be redeemed elsewhere."""
    traffic = Traffic()  # not the active run: codes were handed to clients the judge does not see
    traffic.stats()
    traffic.generate()
    assert traffic.stats(lambda d: d.update(totalBatches=9, totalCodes=900, activeCodes=798)) == set()
    assert traffic.verify(REDEEMED) == set()  # redeemed by a client that went elsewhere
    assert traffic.redeem(status=409) == set()


@pytest.mark.parametrize("told", [True, False], ids=["told it began", "not told"])
def test_a_sole_client_count_is_exact_only_once_nothing_is_still_on_its_way(told: bool) -> None:
    """A generate that began before a count and was answered after it may be in that count: the
    judge holds counts to exactly what happened only when no request it was told of is still out."""
    traffic = Traffic(sole_client=True)
    assert traffic.stats() == set()
    if told:
        traffic.judge.begun(99, traffic.moment + 0.5)  # a generate, out while the next count is taken
    broken = traffic.stats(lambda d: d.update(totalBatches=3, totalCodes=153, activeCodes=51))
    assert broken == (set() if told else {"counts_follow_what_happened"})
    traffic.judge.abandoned(99)
    # Once nothing is out, one batch more than seen happen is a contradiction again.
    assert traffic.stats(lambda d: d.update(totalBatches=4, totalCodes=156, activeCodes=54)) == {
        "counts_follow_what_happened"
    }


def test_a_violation_names_its_rule_class_and_the_exchanges_it_rests_on() -> None:
    traffic = Traffic()
    traffic.generate()
    traffic.redeem()
    traffic.verify()
    [finding] = [f for f in traffic.judge.books.findings if f.check == "redeemed_code_not_valid_again"]
    assert finding.rules == ("codes.one-time",) and finding.documented
    assert finding.exchanges == (1, 2, 3)
    assert "$GAMIFYHOST_API_SECRET" in (finding.curl or "") and ACME not in (finding.curl or "")
