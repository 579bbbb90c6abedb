"""The catalogue: every rule the suite asserts, where the docs state it, and the checks that assert it.

A rule is documented (the public docs state it: a run fails when it is broken) or inferred (the
docs imply it without stating it, as with redeem, of which only the path is documented: a
deviation is reported, and does not fail the run). What the docs leave open is neither: the
mock's decisions are marked `x-mock-decision` in openapi.yaml and no check asserts them.

Each rule also claims the parts of openapi.yaml it stands for: schema keywords and response
statuses. The schema given to schemathesis holds the claimed keywords and statuses of documented
rules and nothing else (contract.py), and tests/conformance/test_catalogue.py fails when a
keyword or status of the spec is neither claimed nor marked decided, when a check asserts no
rule, and when a documented rule has no check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .operations import BY_NAME

GENERATE_PAGE = "docs.gamifyhost.com/campaigns/generate-codes"
BATCHES_PAGE = "docs.gamifyhost.com/campaigns/code-batches"
VERIFY_PAGE = "docs.gamifyhost.com/campaigns/verify-code"
STATS_PAGE = "docs.gamifyhost.com/campaigns/code-stats"
OVERVIEW_PAGE = "docs.gamifyhost.com/campaigns/overview"
AUTH_PAGE = "docs.gamifyhost.com/guides/authentication"
# schemathesis's checks that the suite runs on generated requests, each one documented rule's.
# Not ignored_auth: its probes leave the run's session (uncounted, unguarded), and the secret is
# checked on every operation by missing_secret_rejected and wrong_secret_rejected.
SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)


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


def each(operations: str, check: str) -> tuple[str, ...]:
    """`check` of each named operation ("all" for every one): ("generate.check", ...)."""
    names = BY_NAME if operations == "all" else operations.split()
    return tuple(f"{name}.{check}" for name in names)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: Kind
    text: str  # what the rule says
    source: str  # where the docs say it
    checks: tuple[str, ...]  # "operation.check" of every check asserting it
    claims: tuple[Claim, ...] = ()


D, INF = Kind.DOCUMENTED, Kind.INFERRED
CAMPAIGN_OPERATIONS = "generate batches stats redeem"
BATCH = "Batch/properties"
TIMESTAMP = schema("Timestamp", "type format")

RULES: tuple[Rule, ...] = (
    # -- the secret ---------------------------------------------------------------------------
    Rule(
        "auth.secret-required",
        D,
        "Every codes operation needs the X-API-Secret header; without it the answer is 401.",
        f"{OVERVIEW_PAGE} (X-API-Secret required for all Campaign endpoints); {AUTH_PAGE}, error table",
        each("all", "missing_secret_rejected"),
        tuple(claim for op in BY_NAME for claim in status(BY_NAME[op].operation_id, "401")),
    ),
    Rule(
        "auth.invalid-key",
        D,
        "A secret the service does not know gets 401 Invalid API key.",
        f"{AUTH_PAGE}, error table",
        each("all", "wrong_secret_rejected"),
    ),
    Rule(
        "auth.revoked-key",
        D,
        "A revoked secret gets 403 API key has been revoked, whatever it asks.",
        f"{AUTH_PAGE}, error table",
        each("all", "revoked_secret_refused"),
        tuple(claim for op in BY_NAME for claim in status(BY_NAME[op].operation_id, "403")),
    ),
    Rule(
        "auth.inactive-application",
        D,
        "A secret of an application that is not active gets 403 Application is not active.",
        f"{AUTH_PAGE}, error table",
        each("all", "inactive_secret_refused"),
    ),
    # -- envelopes and statuses ---------------------------------------------------------------
    Rule(
        "envelope.success",
        D,
        'A success is JSON: {"status": "success", "data": {...}}.',
        f"every Campaign page's success example; {AUTH_PAGE}: all API responses use a standard envelope",
        each("all", "content_type_conformance"),
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
        each("all", "error_envelope"),
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
        (
            *each("all", "not_a_server_error"),
            *each("all", "status_code_conformance"),
            "generate.malformed_body_rejected",
            "generate.other_content_type_not_server_error",
            "batches.odd_query_not_server_error",
            "batches.page_past_the_end_not_server_error",
            "verify.code_spelling_not_server_error",
        ),
    ),
    # -- generate -----------------------------------------------------------------------------
    Rule(
        "generate.request",
        D,
        "A body of slug (string), batchSize and pointsValue (integers), and optionally label "
        "(string) and expiresAt (ISO 8601 date-time) is accepted with 200; without a slug, "
        "nothing is generated.",
        f"{GENERATE_PAGE}, request body table and 200 example",
        (
            "generate.negative_data_rejection",
            "generate.positive_data_acceptance",
            "generate.batch_size_1_accepted",
            "generate.points_value_1_accepted",
            "generate.missing_slug_rejected",
        ),
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
        (
            "generate.batch_size_0_rejected",
            "generate.batch_size_10001_rejected",
            "generate.batch_size_10000_accepted",
        ),
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
        ("generate.points_value_0_rejected",),
        (schema("GenerateCodesRequest/properties/pointsValue", "minimum"),),
    ),
    Rule(
        "campaign.not-found",
        D,
        "A slug that names none of the secret's campaigns gets 404 Campaign not found.",
        f"{GENERATE_PAGE}, {BATCHES_PAGE} and {STATS_PAGE}, error tables",
        each("generate batches stats", "unknown_slug_rejected"),
        (*status("generateCodes", "404"), *status("listCodeBatches", "404"), *status("getCodeStats", "404")),
    ),
    Rule(
        "generate.answer",
        D,
        "The answer holds batch (id, campaignId, batchSize, pointsValue, label, expiresAt, createdAt), "
        "codes, count and gameUrl; ids are UUIDs and instants ISO 8601 date-times.",
        f"{GENERATE_PAGE}, response fields table and 200 example",
        (
            "generate.response_schema_conformance",
            "generate.batch_id_is_uuid",
            "generate.created_at_is_rfc3339",
        ),
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
        ("generate.codes_count_matches_request",),
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
        ("generate.codes_unique_in_batch", "generate.codes_unique_across_batches"),
        (schema("GenerateCodesResponse/properties/data/properties/codes", "uniqueItems"),),
    ),
    Rule(
        "generate.code-format",
        D,
        "Codes are PREFIX-XXXXXXXX: the slug's first 4 characters uppercased, then 8 random "
        "characters without O, 0, I, 1 and L.",
        f"{GENERATE_PAGE}, code format",
        ("generate.code_prefix", "generate.code_random_part"),
        (schema("Code", "type"),),
    ),
    Rule(
        "generate.batch-echo",
        D,
        "The batch has the batchSize, pointsValue, label and expiresAt the request gave.",
        f"{GENERATE_PAGE}, response fields table and 200 example",
        ("generate.batch_echoes_request",),
    ),
    Rule(
        "generate.game-url",
        D,
        "gameUrl is the campaign's public page, .../campaign/<slug>.",
        f"{GENERATE_PAGE}, response fields table and 200 example",
        ("generate.game_url_names_campaign",),
    ),
    Rule(
        "generate.codes-once",
        D,
        "Codes are returned in plaintext only once: the batch list never shows them.",
        f"{GENERATE_PAGE}; {BATCHES_PAGE}: batches carry metadata",
        ("batches.listing_has_no_codes",),
    ),
    # -- list batches -------------------------------------------------------------------------
    Rule(
        "batches.request",
        D,
        "The query holds slug (required), page and limit (integers, 1 and 20 by default).",
        f"{BATCHES_PAGE}, query parameters table",
        (
            "batches.negative_data_rejection",
            "batches.positive_data_acceptance",
            "batches.missing_slug_rejected",
        ),
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
        ("batches.response_schema_conformance",),
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
        "batches; total counts the campaign's batches; consecutive pages are one list.",
        f"{BATCHES_PAGE}: a paginated list; page and limit with their defaults",
        (
            "batches.listing_echoes_pagination",
            "batches.listing_within_limit",
            "batches.listing_total_consistent",
            "batches.pages_agree",
            "batches.total_counts_new_batches",
        ),
    ),
    Rule(
        "batches.lists-generated",
        D,
        "A generated batch is in its campaign's list, with the metadata generate gave.",
        f"{BATCHES_PAGE}: the campaign's code batches",
        ("batches.generated_batch_listed",),
    ),
    # -- verify -------------------------------------------------------------------------------
    Rule(
        "verify.request",
        D,
        "The body holds only code, a string; the code alone names its campaign.",
        f"{VERIFY_PAGE}, request body table",
        (
            "verify.negative_data_rejection",
            "verify.positive_data_acceptance",
            "verify.body_without_code_refused",
        ),
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
        ("verify.response_schema_conformance",),
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
        ("verify.unknown_code_not_found",),
    ),
    Rule(
        "verify.valid-iff-redeemable",
        D,
        "valid is true exactly when the message is Code is valid and redeemable.",
        f"{VERIFY_PAGE}, response fields and message tables",
        ("verify.verify_valid_iff_redeemable",),
    ),
    Rule(
        "verify.status-known",
        D,
        "A code found has one of the statuses ACTIVE, REDEEMED, EXPIRED, REVOKED; a valid one is "
        "ACTIVE; Code status is X comes with status X.",
        f"{VERIFY_PAGE}, response fields and message tables",
        (
            "verify.verify_found_status_known",
            "verify.verify_valid_code_active",
            "verify.verify_status_named_in_message",
        ),
    ),
    Rule(
        "verify.not-found-empty",
        D,
        "Code not found comes with pointsValue 0 and an empty campaignName and campaignSlug.",
        f"{VERIFY_PAGE}, response fields table",
        ("verify.verify_not_found_empty",),
    ),
    Rule(
        "verify.fresh-code",
        D,
        "A code just generated in an active campaign verifies valid, ACTIVE, Code is valid and "
        "redeemable, with its batch's pointsValue and its campaign's slug.",
        f"{VERIFY_PAGE}, first example; {GENERATE_PAGE}",
        (
            "verify.generated_code_verifies_valid",
            "verify.verify_finds_generated_code",
            "verify.verify_matches_generated_batch",
        ),
    ),
    Rule(
        "verify.expired-means-campaign",
        D,
        "expired says whether the campaign has ended: Campaign has ended comes with expired true, "
        "and a code past its own expiry in a running campaign has expired false.",
        f"{VERIFY_PAGE}, response fields table (expired: whether the campaign has ended)",
        ("verify.verify_ended_campaign_expired", "verify.expired_code_verifies_expired"),
    ),
    Rule(
        "verify.campaign-ended",
        D,
        "A code of a campaign whose end date has passed verifies valid false, Campaign has ended, "
        "expired true.",
        f"{VERIFY_PAGE}, message table",
        ("verify.ended_campaign_code_refused",),
    ),
    Rule(
        "verify.campaign-paused",
        D,
        "A code of a paused campaign verifies valid false, Campaign is not active.",
        f"{VERIFY_PAGE}, message table",
        ("verify.paused_campaign_code_refused",),
    ),
    # -- isolation ----------------------------------------------------------------------------
    Rule(
        "isolation.partner",
        D,
        "Codes and campaigns belong to one partner: to another partner a code is Code not found "
        "and cannot be redeemed, and a campaign is not found.",
        f"{VERIFY_PAGE}: Code not found - the code does not exist or belongs to another partner",
        (
            "verify.foreign_secret_code_not_found",
            "batches.foreign_secret_campaign_not_found",
            "stats.foreign_secret_campaign_not_found",
            "redeem.foreign_secret_cannot_redeem",
            *each(CAMPAIGN_OPERATIONS, "foreign_slug_rejected"),
        ),
    ),
    Rule(
        "isolation.environment",
        D,
        "Test and live data are fully isolated: the other environment's secret finds none of the "
        "run's codes and lists none of its batches.",
        f"{AUTH_PAGE}: test and live data are fully isolated",
        ("verify.other_env_code_not_found", "batches.other_env_lists_none_of_the_run"),
    ),
    # -- expiry -------------------------------------------------------------------------------
    Rule(
        "codes.expire",
        D,
        "A code past its batch's expiresAt is EXPIRED: verify says so (Code status is EXPIRED), "
        "stats count it in expiredCodes, not revokedCodes, and it cannot be redeemed.",
        f"{GENERATE_PAGE} (expiresAt: expiration date for the codes); {VERIFY_PAGE}; {STATS_PAGE}",
        (
            "verify.expired_code_verifies_expired",
            "stats.expired_codes_counted_as_expired",
            "redeem.expired_code_refused",
        ),
    ),
    # -- stats --------------------------------------------------------------------------------
    Rule(
        "stats.request",
        D,
        "The query holds slug, required.",
        f"{STATS_PAGE}, query parameters table",
        ("stats.negative_data_rejection", "stats.positive_data_acceptance", "stats.missing_slug_rejected"),
        (parameter("getCodeStats", "slug", "required type minLength"), *status("getCodeStats", "200")),
    ),
    Rule(
        "stats.answer",
        D,
        "The answer holds six counts: totalCodes, activeCodes, redeemedCodes, expiredCodes, "
        "revokedCodes, totalBatches.",
        f"{STATS_PAGE}, response fields table",
        ("stats.response_schema_conformance",),
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
        ("stats.stats_add_up",),
    ),
    Rule(
        "stats.follow-batches",
        D,
        "Counts cover every code of every batch: a new batch of N codes adds N to totalCodes and "
        "activeCodes and 1 to totalBatches, which is the list's total.",
        f"{STATS_PAGE}: statistics on all codes generated for a campaign",
        (
            "stats.counts_grow_by_generated_batch",
            "stats.total_batches_match_listing",
            "stats.stats_codes_within_batches",
        ),
    ),
    # -- redeem -------------------------------------------------------------------------------
    Rule(
        "codes.one-time",
        D,
        "A code is redeemed once: afterwards verify says REDEEMED, stats count it, a second "
        "redemption is refused, and of concurrent redemptions of a fresh code exactly one succeeds.",
        f"{VERIFY_PAGE}: Code status is REDEEMED (second example); {STATS_PAGE}: redeemedCodes",
        (
            "redeem.redeemed_code_verifies_redeemed",
            "redeem.second_redemption_refused",
            "redeem.redemption_counted_in_stats",
            "redeem.concurrent_redemptions_one_succeeds",
        ),
    ),
    Rule(
        "codes.unredeemable",
        D,
        "What verify calls not redeemable cannot be redeemed: an unknown code, a code of a campaign "
        "that has ended or is paused, or of a campaign the secret does not own.",
        f"{VERIFY_PAGE}, message table; {OVERVIEW_PAGE}, POST /{{slug}}/redeem",
        (
            "redeem.unknown_code_refused",
            "redeem.ended_campaign_code_refused",
            "redeem.paused_campaign_code_refused",
            "redeem.unknown_slug_rejected",
        ),
    ),
    Rule(
        "redeem.inferred-request",
        INF,
        'POST /v1/campaigns/{slug}/redeem with {"code", "userId"} redeems a fresh code of an '
        "active campaign with a 2xx.",
        f"{OVERVIEW_PAGE}: only the path is documented; the body is the mock's inference (D9)",
        (
            "redeem.generated_code_redeemed",
            "redeem.negative_data_rejection",
            "redeem.positive_data_acceptance",
            "redeem.response_schema_conformance",
        ),
    ),
    Rule(
        "redeem.inferred-points",
        INF,
        "A redemption awards the code's pointsValue.",
        f"{GENERATE_PAGE}: each code awards a fixed number of points when redeemed",
        ("redeem.redemption_awards_code_points",),
    ),
)

BY_ID = {rule.id: rule for rule in RULES}
DOCUMENTED = tuple(rule for rule in RULES if rule.kind is Kind.DOCUMENTED)


def rules_of(check: str) -> tuple[Rule, ...]:
    """The rules an "operation.check" asserts."""
    return tuple(rule for rule in RULES if check in rule.checks)


def is_documented(check: str) -> bool:
    """Whether a failure of the check fails the run: it asserts at least one documented rule."""
    return any(rule.kind is Kind.DOCUMENTED for rule in rules_of(check))


def claimed(kind: str) -> dict[str, set[str]]:
    """What documented rules claim, by place: {where: {keyword, ...}} (statuses: {where: set()})."""
    found: dict[str, set[str]] = {}
    for rule in DOCUMENTED:
        for claim in rule.claims:
            if claim.kind == kind:
                found.setdefault(claim.where, set()).update(claim.keywords)
    return found
