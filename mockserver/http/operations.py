"""One function per API operation, named after its operationId: call the domain, render `data`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..contract.timestamps import ORJSON_TIMESTAMPS, format_timestamp, in_utc, parse_timestamp
from ..domain.records import Batch, CodeStats, Principal
from ..domain.service import Codes


@dataclass(slots=True)  # not frozen: one is built per request, and frozen ones are slow to build
class Call:
    """A request that passed authentication and the spec's validation."""

    codes: Codes
    principal: Principal
    body: Mapping[str, Any]
    query: Mapping[str, Any]
    path: Mapping[str, Any]
    public_base_url: str


def render_batch(batch: Batch) -> orjson.Fragment:
    """A batch's JSON as the API shows it. Listings reuse it while the fields it shows are the
    same: an event may change one (a label, an expiry), never its id, campaign or creation."""
    return _rendered(batch, batch.batch_size, batch.points_value, batch.label, batch.expires_at)


@functools.lru_cache(maxsize=4096)
def _rendered(batch: Batch, *_shown: object) -> orjson.Fragment:
    return orjson.Fragment(
        orjson.dumps(
            {
                "id": batch.id,
                "campaignId": batch.campaign.id,
                "batchSize": batch.batch_size,
                "pointsValue": batch.points_value,
                "label": batch.label,
                "expiresAt": in_utc(batch.expires_at),
                "createdAt": in_utc(batch.created_at),
            },
            option=ORJSON_TIMESTAMPS,
        )
    )


@functools.lru_cache(maxsize=256)
def render_page(batches: tuple[Batch, ...], as_of: int) -> orjson.Fragment:
    """A page of batches as a JSON array, as the store held them after its change `as_of`:
    while nothing changes, a list asked again (a dashboard's poll) costs one look-up."""
    return orjson.Fragment(orjson.dumps(list(map(render_batch, batches))))


def generate_codes(call: Call) -> dict[str, Any]:
    body = call.body
    expires_at = body.get("expiresAt")
    generated = call.codes.generate_codes(
        call.principal,
        slug=body["slug"],
        batch_size=body["batchSize"],
        points_value=body["pointsValue"],
        label=body.get("label"),
        expires_at=parse_timestamp(expires_at) if expires_at is not None else None,
    )
    return {
        "batch": render_batch(generated.batch),
        "codes": orjson.Fragment(generated.codes.json()),
        "count": len(generated.codes),
        "gameUrl": f"{call.public_base_url}/campaign/{generated.batch.campaign.slug}",
    }


def list_code_batches(call: Call) -> dict[str, Any]:
    page = call.codes.list_batches(call.principal, **call.query)
    return {
        "batches": render_page(tuple(page.batches), page.as_of),
        "total": page.total,
        "page": page.page,
        "limit": page.limit,
    }


def verify_code(call: Call) -> dict[str, Any]:
    verdict = call.codes.verify_code(call.principal, call.body["code"])
    return {
        "valid": verdict.valid,
        "status": verdict.status.value if verdict.status else "",
        "pointsValue": verdict.points_value,
        "campaignName": verdict.campaign_name,
        "campaignSlug": verdict.campaign_slug,
        "expired": verdict.expired,
        "message": verdict.message,
    }


def get_code_stats(call: Call) -> dict[str, Any]:
    return render_stats(call.codes.get_code_stats(call.principal, **call.query))


def render_stats(stats: CodeStats) -> dict[str, int]:
    """A campaign's counts as the API shows them (the admin overview shows them so too)."""
    return {
        "totalCodes": stats.total_codes,
        "activeCodes": stats.active_codes,
        "redeemedCodes": stats.redeemed_codes,
        "expiredCodes": stats.expired_codes,
        "revokedCodes": stats.revoked_codes,
        "totalBatches": stats.total_batches,
    }


def redeem_code(call: Call) -> dict[str, Any]:
    redemption = call.codes.redeem_code(
        call.principal, call.path["slug"], call.body["code"], call.body["userId"]
    )
    return {
        "code": redemption.code,
        "userId": redemption.user_id,
        "pointsAwarded": redemption.points_awarded,
        "batchId": redemption.batch.id,
        "campaignSlug": redemption.batch.campaign.slug,
        "redeemedAt": format_timestamp(redemption.redeemed_at),
    }


# The operations that change what the store keeps: over a network, their wait is a thread's.
WRITES = frozenset({"generateCodes", "redeemCode"})

OPERATIONS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "generateCodes": generate_codes,
    "listCodeBatches": list_code_batches,
    "verifyCode": verify_code,
    "getCodeStats": get_code_stats,
    "redeemCode": redeem_code,
}
