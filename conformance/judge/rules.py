"""The catalogue: every rule the suite holds a target to, where the docs state it, and the checks that
judge it. A newcomer adds a rule here: a `Rule` naming its source and its checks (functions of
conformance/judge/checks/, by reference), and, when only a probe can make traffic that shows it,
a probe in conformance/sources/active/probes/ that sends that traffic.

A rule is documented (the public docs state it: a run fails when it is broken) or inferred (the
docs imply it without stating it, as with redeem, of which only the path is documented: a
deviation is reported, and does not fail the run). What the docs leave open is neither: the
mock's decisions are marked `x-mock-decision` in openapi.yaml and no check asserts them.

Each rule says whether recorded traffic (a HAR file, the proxy) can show it: some need a probe
only the active run sends (a secret it made up, codes only it holds). Each rule also claims the
parts of openapi.yaml it stands for: schema keywords and response statuses. The documented
contract (contract.Documented) holds the claimed keywords and statuses of documented rules and
nothing else, and tests/conformance/test_catalogue.py fails when a keyword or status of the spec
is neither claimed nor marked decided, when a check belongs to no rule, and when a documented
rule has no check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .checks import access, batches, counts, envelope, generate, isolation, redeem, stats, verify
from .checks import schema as shape
from .checks._registry import Check, CheckOf
from .operations import BY_NAME

GENERATE_PAGE = "docs.gamifyhost.com/campaigns/generate-codes"
BATCHES_PAGE = "docs.gamifyhost.com/campaigns/code-batches"
VERIFY_PAGE = "docs.gamifyhost.com/campaigns/verify-code"
STATS_PAGE = "docs.gamifyhost.com/campaigns/code-stats"
OVERVIEW_PAGE = "docs.gamifyhost.com/campaigns/overview"
AUTH_PAGE = "docs.gamifyhost.com/guides/authentication"


class Kind(enum.StrEnum):
    DOCUMENTED = "documented"  # stated by the docs: breaking it fails the run
    INFERRED = "inferred"  # implied, not stated: a deviation is reported, the run does not fail


@dataclass(frozen=True)
class Claim:
    """A part of openapi.yaml a rule stands for.

    `schema`: keywords of a schema, by its place under components/schemas ("Batch/properties/id").
    `parameter`: a parameter of an operation ("listCodeBatches slug"): `required` and its schema's keywords.
    `status`: a response status of an operation ("generateCodes 200").
    """

    kind: str  # schema, parameter or status
    where: str
    keywords: tuple[str, ...] = ()


def schema(where: str, keywords: str) -> Claim:
    return Claim("schema", where, tuple(keywords.split()))


def parameter(operation_id: str, name: str, keywords: str) -> Claim:
    return Claim("parameter", f"{operation_id} {name}", tuple(keywords.split()))


def status(operation_id: str, *statuses: str) -> tuple[Claim, ...]:
    return tuple(Claim("status", f"{operation_id} {code}") for code in statuses)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: Kind
    text: str  # what the rule says
    source: str  # where the docs say it
    checks: tuple[CheckOf, ...]  # the checks that judge it, on which operations' exchanges
    claims: tuple[Claim, ...] = ()
    recorded: bool = True  # whether recorded traffic can show it (else only a probe's traffic can)

    @property
    def keys(self) -> tuple[tuple[str, str], ...]:
        """(operation, check name) of every check of the rule."""
        return tuple(key for each in self.checks for key in each.keys)


def on(*checks: Check | CheckOf) -> tuple[CheckOf, ...]:
    return tuple(each if isinstance(each, CheckOf) else each.everywhere for each in checks)


D, INF = Kind.DOCUMENTED, Kind.INFERRED
BATCH = "Batch/properties"
TIMESTAMP = schema("Timestamp", "type format")

ALL_STATUS = ("401", "403")
DOCUMENTED_OPERATIONS = ("generate", "batches", "verify", "stats")

RULES: tuple[Rule, ...] = (
    # -- the secret ---------------------------------------------------------------------------
    Rule(
        "auth.secret-required",
        D,
        "Every codes operation needs the X-API-Secret header; without it the answer is 401.",
        f"{OVERVIEW_PAGE} (X-API-Secret required for all Campaign endpoints); {AUTH_PAGE}, error table",
        on(access.missing_secret_rejected),
        tuple(claim for op in BY_NAME for claim in status(BY_NAME[op].operation_id, "401")),
    ),
    Rule(
        "auth.invalid-key",
        D,
        "A secret the service does not know gets 401 Invalid API key.",
        f"{AUTH_PAGE}, error table",
        on(access.made_up_secret_rejected),
        recorded=False,
    ),
    Rule(
        "auth.revoked-key",
        D,
        "A revoked secret gets 403 API key has been revoked, whatever it asks.",
        f"{AUTH_PAGE}, error table",
        on(access.revoked_secret_refused),
        tuple(claim for op in BY_NAME for claim in status(BY_NAME[op].operation_id, "403")),
    ),
    Rule(
        "auth.inactive-application",
        D,
        "A secret of an application that is not active gets 403 Application is not active.",
        f"{AUTH_PAGE}, error table",
        on(access.inactive_secret_refused),
    ),
    # -- envelopes and statuses ---------------------------------------------------------------
    Rule(
        "envelope.success",
        D,
        'A success is JSON: {"status": "success", "data": {...}}.',
        f"every Campaign page's success example; {AUTH_PAGE}: all API responses use a standard envelope",
        on(envelope.content_type_conformance, shape.response_schema_conformance.of(*DOCUMENTED_OPERATIONS)),
        (
            schema("GenerateCodesResponse", "type required"),
            schema("GenerateCodesResponse/properties/status", "const"),
            schema("ListCodeBatchesResponse", "type required"),
            schema("ListCodeBatchesResponse/properties/status", "const"),
            schema("VerifyCodeResponse", "type required"),
            schema("VerifyCodeResponse/properties/status", "const"),
            schema("CodeStatsResponse", "type required"),
            schema("CodeStatsResponse/properties/status", "const"),
        ),
    ),
    Rule(
        "envelope.error",
        D,
        'An error is JSON: {"status": "error", "code": <its HTTP status>, "message": <text>}, no data.',
        f"{AUTH_PAGE}: the standard envelope, data absent on errors, and the error example",
        on(envelope.error_envelope),
        (
            schema("Error", "type required"),
            schema("Error/properties/status", "const"),
            schema("Error/properties/code", "type minimum maximum"),
            schema("Error/properties/message", "type minLength"),
        ),
    ),
    Rule(
        "status.no-server-error",
        D,
        "Answers have the documented statuses: a request the service cannot take is a 4xx, never a "
        "5xx, whatever it holds (the docs document no 5xx).",
        f"{AUTH_PAGE}, HTTP status codes; each operation's page",
        on(shape.not_a_server_error, shape.status_code_conformance),
    ),
    # -- generate -----------------------------------------------------------------------------
    Rule(
        "generate.request",
        D,
        "A body of slug (string), batchSize and pointsValue (integers), and optionally label "
        "(string) and expiresAt (ISO 8601 date-time) is accepted with 200; a body that breaks "
        "that (no slug, a fractional batchSize) is refused, however leniently read.",
        f"{GENERATE_PAGE}, request body table and 200 example",
        on(shape.negative_data_rejection.of("generate"), shape.positive_data_acceptance.of("generate")),
        (
            schema("GenerateCodesRequest", "type required"),
            schema("GenerateCodesRequest/properties/slug", "type minLength"),
            schema("GenerateCodesRequest/properties/batchSize", "type"),
            schema("GenerateCodesRequest/properties/pointsValue", "type"),
            schema("GenerateCodesRequest/properties/label", "type"),
            schema("GenerateCodesRequest/properties/expiresAt", "type format"),
            *status("generateCodes", "200"),
        ),
    ),
    Rule(
        "generate.batch-size-range",
        D,
        "batchSize is 1 to 10,000; outside, 400 batchSize must be between 1 and 10000.",
        f"{GENERATE_PAGE}, request body table and error table",
        on(generate.batch_size_out_of_range_refused),
        (
            schema("GenerateCodesRequest/properties/batchSize", "minimum maximum"),
            *status("generateCodes", "400"),
        ),
    ),
    Rule(
        "generate.points-positive",
        D,
        "pointsValue must be positive: 0 gets 400 pointsValue must be positive.",
        f"{GENERATE_PAGE}, error table",
        on(generate.points_value_not_positive_refused),
        (schema("GenerateCodesRequest/properties/pointsValue", "minimum"),),
    ),
    Rule(
        "campaign.not-found",
        D,
        "A slug that names none of the secret's campaigns gets 404 Campaign not found; a 404 of "
        "generate, the list or stats says nothing else.",
        f"{GENERATE_PAGE}, {BATCHES_PAGE} and {STATS_PAGE}, error tables",
        on(
            access.made_up_slug_not_found.of("generate", "batches", "stats"),
            access.not_found_is_campaign_not_found,
        ),
        (*status("generateCodes", "404"), *status("listCodeBatches", "404"), *status("getCodeStats", "404")),
    ),
    Rule(
        "generate.answer",
        D,
        "The answer holds batch (id, campaignId, batchSize, pointsValue, label, expiresAt, createdAt), "
        "codes, count and gameUrl; ids are UUIDs and instants ISO 8601 date-times.",
        f"{GENERATE_PAGE}, response fields table and 200 example",
        on(shape.response_schema_conformance.of("generate")),
        (
            schema("GenerateCodesResponse/properties/data", "type required"),
            schema("GenerateCodesResponse/properties/data/properties/codes", "type"),
            schema("GenerateCodesResponse/properties/data/properties/count", "type"),
            schema("GenerateCodesResponse/properties/data/properties/gameUrl", "type format"),
            schema("Batch", "type required"),
            schema(f"{BATCH}/id", "type format"),
            schema(f"{BATCH}/campaignId", "type format"),
            schema(f"{BATCH}/batchSize", "type minimum maximum"),
            schema(f"{BATCH}/pointsValue", "type minimum"),
            schema(f"{BATCH}/label", "type"),
            schema(f"{BATCH}/expiresAt", "type format"),
            TIMESTAMP,
        ),
    ),
    Rule(
        "generate.count",
        D,
        "A batch holds batchSize codes, and count says how many.",
        f"{GENERATE_PAGE}, response fields table (codes, count, batch.batchSize)",
        on(generate.codes_count_matches_request),
        (
            schema("GenerateCodesResponse/properties/data/properties/codes", "minItems maxItems"),
            schema("GenerateCodesResponse/properties/data/properties/count", "minimum maximum"),
        ),
    ),
    Rule(
        "generate.unique",
        D,
        "Codes are unique: none appears twice, in a batch or across batches.",
        f"{GENERATE_PAGE}: generates a batch of unique, redeemable codes",
        on(generate.codes_unique_in_batch, generate.codes_unique_across_batches),
        (schema("GenerateCodesResponse/properties/data/properties/codes", "uniqueItems"),),
    ),
    Rule(
        "generate.code-format",
        D,
        "Codes are PREFIX-XXXXXXXX: the slug's first 4 characters uppercased, then 8 random "
        "characters without O, 0, I, 1 and L.",
        f"{GENERATE_PAGE}, code format",
        on(generate.code_prefix, generate.code_random_part),
        (schema("Code", "type"),),
    ),
    Rule(
        "generate.batch-echo",
        D,
        "The batch has the batchSize, pointsValue, label and expiresAt the request gave.",
        f"{GENERATE_PAGE}, response fields table and 200 example",
        on(generate.batch_echoes_request),
    ),
    Rule(
        "generate.game-url",
        D,
        "gameUrl is the campaign's public page, .../campaign/<slug>.",
        f"{GENERATE_PAGE}, response fields table and 200 example",
        on(generate.game_url_names_campaign),
    ),
    Rule(
        "generate.codes-once",
        D,
        "Codes are returned in plaintext only once: the batch list never shows them.",
        f"{GENERATE_PAGE}; {BATCHES_PAGE}: batches carry metadata",
        on(batches.listing_has_no_codes),
    ),
    # -- list batches -------------------------------------------------------------------------
    Rule(
        "batches.request",
        D,
        "The query holds slug (required), page and limit (integers, 1 and 20 by default).",
        f"{BATCHES_PAGE}, query parameters table",
        on(shape.negative_data_rejection.of("batches"), shape.positive_data_acceptance.of("batches")),
        (
            parameter("listCodeBatches", "slug", "required type minLength"),
            parameter("listCodeBatches", "page", "type"),
            parameter("listCodeBatches", "limit", "type"),
            *status("listCodeBatches", "200"),
        ),
    ),
    Rule(
        "batches.answer",
        D,
        "The answer holds batches (metadata of each), total, page and limit, all inside data.",
        f"{BATCHES_PAGE}, 200 example",
        on(shape.response_schema_conformance.of("batches")),
        (
            schema("ListCodeBatchesResponse/properties/data", "type required"),
            schema("ListCodeBatchesResponse/properties/data/properties/batches", "type"),
            schema("ListCodeBatchesResponse/properties/data/properties/total", "type minimum"),
            schema("ListCodeBatchesResponse/properties/data/properties/page", "type minimum"),
            schema("ListCodeBatchesResponse/properties/data/properties/limit", "type minimum"),
        ),
    ),
    Rule(
        "batches.pagination",
        D,
        "A page is the page and limit asked for (1 and 20 by default) and holds at most limit "
        "batches; total counts the campaign's batches; the pages of one total are one list.",
        f"{BATCHES_PAGE}: a paginated list; page and limit with their defaults",
        on(
            batches.listing_echoes_pagination,
            batches.listing_within_limit,
            batches.listing_total_consistent,
            batches.pages_agree,
        ),
    ),
    Rule(
        "batches.lists-generated",
        D,
        "A generated batch is in its campaign's list, with the metadata generate gave, where the "
        "list's order puts it.",
        f"{BATCHES_PAGE}: the campaign's code batches",
        on(batches.generated_batch_listed),
    ),
    # -- verify -------------------------------------------------------------------------------
    Rule(
        "verify.request",
        D,
        "The body holds only code, a string; the code alone names its campaign.",
        f"{VERIFY_PAGE}, request body table",
        on(shape.negative_data_rejection.of("verify"), shape.positive_data_acceptance.of("verify")),
        (
            schema("VerifyCodeRequest", "type required"),
            schema("VerifyCodeRequest/properties/code", "type"),
            *status("verifyCode", "200"),
        ),
    ),
    Rule(
        "verify.answer",
        D,
        "The answer holds valid, status, pointsValue, campaignName, campaignSlug, expired and a "
        "message that is one of the seven documented.",
        f"{VERIFY_PAGE}, response fields table and message table",
        on(shape.response_schema_conformance.of("verify")),
        (
            schema("VerifyCodeResponse/properties/data", "type required"),
            schema("VerifyCodeResponse/properties/data/properties/valid", "type"),
            schema("VerifyCodeResponse/properties/data/properties/pointsValue", "type minimum"),
            schema("VerifyCodeResponse/properties/data/properties/campaignName", "type"),
            schema("VerifyCodeResponse/properties/data/properties/campaignSlug", "type"),
            schema("VerifyCodeResponse/properties/data/properties/expired", "type"),
            schema("VerifyCodeResponse/properties/data/properties/message", "type enum"),
        ),
    ),
    Rule(
        "verify.always-200",
        D,
        "A code that cannot be redeemed, unknown ones included, still gets 200 with valid false; "
        "an unknown code's message is Code not found.",
        f"{VERIFY_PAGE}: both examples are 200; message table",
        on(verify.made_up_code_not_found),
        recorded=False,
    ),
    Rule(
        "verify.valid-iff-redeemable",
        D,
        "valid is true exactly when the message is Code is valid and redeemable.",
        f"{VERIFY_PAGE}, response fields and message tables",
        on(verify.verify_valid_iff_redeemable),
    ),
    Rule(
        "verify.status-known",
        D,
        "A code found has one of the statuses ACTIVE, REDEEMED, EXPIRED, REVOKED; a valid one is "
        "ACTIVE; Code status is X comes with status X.",
        f"{VERIFY_PAGE}, response fields and message tables",
        on(
            verify.verify_found_status_known,
            verify.verify_valid_code_active,
            verify.verify_status_named_in_message,
        ),
    ),
    Rule(
        "verify.not-found-empty",
        D,
        "Code not found comes with pointsValue 0 and an empty campaignName and campaignSlug.",
        f"{VERIFY_PAGE}, response fields table",
        on(verify.verify_not_found_empty),
    ),
    Rule(
        "verify.finds-generated",
        D,
        "A code generated for a partner is found by that partner in its environment, with its "
        "campaign's slug.",
        f"{VERIFY_PAGE}: Code not found - the code does not exist or belongs to another partner",
        on(verify.verify_finds_generated_code),
    ),
    Rule(
        "verify.fresh-code",
        D,
        "A code just generated, redeemed nowhere, verifies ACTIVE: valid and redeemable, unless its "
        "campaign is paused or has ended.",
        f"{VERIFY_PAGE}, first example; {GENERATE_PAGE}",
        on(verify.own_code_verifies_as_it_stands),
        recorded=False,
    ),
    Rule(
        "verify.expired-means-campaign",
        D,
        "expired says whether the campaign has ended: Campaign has ended comes with expired true, "
        "and a code past its own expiry in a running campaign has expired false.",
        f"{VERIFY_PAGE}, response fields table (expired: whether the campaign has ended)",
        on(verify.verify_ended_campaign_expired),
    ),
    Rule(
        "verify.campaign-closed",
        D,
        "A code of a campaign whose end date has passed verifies valid false, Campaign has ended, "
        "expired true; of a paused campaign, valid false, Campaign is not active.",
        f"{VERIFY_PAGE}, message table",
        on(verify.closed_campaign_code_refused),
    ),
    # -- isolation ----------------------------------------------------------------------------
    Rule(
        "isolation.partner",
        D,
        "Codes and campaigns belong to one partner: to another partner a code is Code not found "
        "and cannot be redeemed, a batch is never listed, and a campaign is not found (or forbidden).",
        f"{VERIFY_PAGE}: Code not found - the code does not exist or belongs to another partner",
        on(
            isolation.code_invisible_to_other_partner,
            isolation.batches_invisible_to_other_partner,
            isolation.code_unredeemable_by_other_partner,
            isolation.foreign_campaign_not_found,
            access.foreign_slug_refused,
        ),
    ),
    Rule(
        "isolation.environment",
        D,
        "Test and live data are fully isolated: a secret of one environment finds none of the codes "
        "and lists none of the batches made with the other, and redeems none of its codes.",
        f"{AUTH_PAGE}: test and live data are fully isolated",
        on(
            isolation.code_invisible_to_other_environment,
            isolation.batches_invisible_to_other_environment,
            isolation.code_unredeemable_in_other_environment,
        ),
    ),
    # -- expiry -------------------------------------------------------------------------------
    Rule(
        "codes.expire",
        D,
        "A code past its batch's expiresAt is EXPIRED: verify says so (Code status is EXPIRED), "
        "stats count it in expiredCodes, and it cannot be redeemed.",
        f"{GENERATE_PAGE} (expiresAt: expiration date for the codes); {VERIFY_PAGE}; {STATS_PAGE}",
        on(verify.expired_code_not_valid, redeem.expired_code_not_redeemed),
    ),
    # -- stats --------------------------------------------------------------------------------
    Rule(
        "stats.request",
        D,
        "The query holds slug, required.",
        f"{STATS_PAGE}, query parameters table",
        on(shape.negative_data_rejection.of("stats"), shape.positive_data_acceptance.of("stats")),
        (parameter("getCodeStats", "slug", "required type minLength"), *status("getCodeStats", "200")),
    ),
    Rule(
        "stats.answer",
        D,
        "The answer holds six counts: totalCodes, activeCodes, redeemedCodes, expiredCodes, "
        "revokedCodes, totalBatches.",
        f"{STATS_PAGE}, response fields table",
        on(shape.response_schema_conformance.of("stats")),
        (
            schema("CodeStatsResponse/properties/data", "type required"),
            *(
                schema(f"CodeStatsResponse/properties/data/properties/{name}", "type minimum")
                for name in (
                    "totalCodes",
                    "activeCodes",
                    "redeemedCodes",
                    "expiredCodes",
                    "revokedCodes",
                    "totalBatches",
                )
            ),
        ),
    ),
    Rule(
        "stats.add-up",
        D,
        "Each code has one of the four statuses: totalCodes = activeCodes + redeemedCodes + "
        "expiredCodes + revokedCodes.",
        f"{STATS_PAGE}, example and fields; {VERIFY_PAGE}, the four statuses",
        on(stats.stats_add_up, stats.stats_codes_within_batches),
    ),
    Rule(
        "stats.follow-what-happened",
        D,
        "Counts cover every code of every batch: the list's total and totalBatches grow by each "
        "batch generated, totalCodes by its codes; in a stretch nobody else touches the campaign, "
        "the counts move by exactly the codes generated, redeemed and expired.",
        f"{STATS_PAGE}: statistics on all codes generated for a campaign; {BATCHES_PAGE}: total",
        on(counts.counts_follow_what_happened),
    ),
    # -- redeem -------------------------------------------------------------------------------
    Rule(
        "codes.one-time",
        D,
        "A code is redeemed once: afterwards verify says REDEEMED and never valid, and of any "
        "redemptions of one code, concurrent ones included, one at most succeeds.",
        f"{VERIFY_PAGE}: Code status is REDEEMED (second example); {STATS_PAGE}: redeemedCodes",
        on(redeem.redeemed_once, verify.redeemed_code_not_valid_again),
    ),
    Rule(
        "codes.unredeemable",
        D,
        "What verify calls not redeemable cannot be redeemed: an unknown code, a code of a campaign "
        "that has ended or is paused, or of a campaign the secret does not have.",
        f"{VERIFY_PAGE}, message table; {OVERVIEW_PAGE}, POST /{{slug}}/redeem",
        on(
            redeem.made_up_code_not_redeemed,
            redeem.closed_campaign_code_not_redeemed,
            access.made_up_slug_not_found.of("redeem"),
        ),
    ),
    Rule(
        "codes.points",
        D,
        "A code awards its batch's pointsValue: verify says so, and so does any answer that states "
        "the points a redemption awarded.",
        f"{GENERATE_PAGE}: pointsValue, points each code awards when redeemed; {VERIFY_PAGE}: pointsValue",
        on(verify.verify_matches_generated_batch, redeem.redemption_awards_code_points),
    ),
    Rule(
        "redeem.inferred-request",
        INF,
        'POST /v1/campaigns/{slug}/redeem with {"code", "userId"} redeems a fresh code of an '
        "active campaign with a 2xx.",
        f"{OVERVIEW_PAGE}: only the path is documented; the body is the mock's inference (D9)",
        on(redeem.own_code_redeemed),
        recorded=False,
    ),
)

BY_ID = {rule.id: rule for rule in RULES}
DOCUMENTED = tuple(rule for rule in RULES if rule.kind is Kind.DOCUMENTED)
_RULES_OF: dict[tuple[str, str], tuple[Rule, ...]] = {}
for _rule in RULES:
    for _key in _rule.keys:
        _RULES_OF[_key] = (*_RULES_OF.get(_key, ()), _rule)


def rules_of(operation: str, check: str) -> tuple[Rule, ...]:
    """The rules a check judges on an operation's exchanges."""
    return _RULES_OF.get((operation, check), ())


def is_documented(operation: str, check: str) -> bool:
    """Whether a failure of the check on the operation fails the run: it judges a documented rule."""
    return any(rule.kind is Kind.DOCUMENTED for rule in rules_of(operation, check))


def claimed(kind: str) -> dict[str, set[str]]:
    """What documented rules claim, by place: {where: {keyword, ...}} (statuses: {where: set()})."""
    found: dict[str, set[str]] = {}
    for rule in DOCUMENTED:
        for claim in rule.claims:
            if claim.kind == kind:
                found.setdefault(claim.where, set()).update(claim.keywords)
    return found


def claims() -> dict[str, dict[str, set[str]]]:
    """Every kind of claim of documented rules, as contract.Contract.documented takes them."""
    return {kind: claimed(kind) for kind in ("schema", "parameter", "status")}
