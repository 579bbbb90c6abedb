"""The mock's own API under `/__mock/` (D10): health, reset, the journal, the clock, revoking, tenants.

Not GamifyHost's API, so not in openapi.yaml; docs/admin-api.md describes it. Every endpoint
parses, calls the domain (or the journal) and renders the D1 envelope; bad input is a 400
that says what to send.
"""

from __future__ import annotations

import functools
import math
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..contract.fixtures import PartnerConflict, new_partner
from ..contract.timestamps import format_timestamp, parse_timestamp
from ..domain.clock import Clock
from ..domain.errors import CAMPAIGN_NOT_FOUND, CODE_NOT_FOUND, BadRequest, Conflict, NotFound
from ..domain.records import Campaign, CampaignStatus
from ..domain.service import Codes
from .operations import render_batch, render_stats
from .wire import error_response, read_json, success

PREFIX = "/__mock"
BATCH_NOT_FOUND = "Batch not found"
CLOCK_USAGE = 'Send {"now": "<RFC 3339 date-time>"} or {"advanceSeconds": <number>}'
REVOKE_USAGE = 'Send {"code": "<code>"} or {"batchId": "<batch id>"}'
PARTNER_USAGE = (
    'Send a partner in the fixtures\' format: {"name": "...", "applications": [{"name": "...", '
    '"keys": [{"environment": "TEST"}]}], "campaigns": [{"slug": "...", "environment": "TEST"}]}'
)
CAMPAIGN_USAGE = (
    'Send {"status": "draft" | "active" | "paused" | "ended"}, {"endsAt": "<RFC 3339 date-time>" | null}, '
    "or both"
)
KEY_USAGE = 'Send {"secret": "<an API secret>"}'
KEY_NOT_FOUND = "API key not found"
# The dashboard runs its own script and talks to this API only: nothing else may load.
DASHBOARD_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
OVERVIEW_BATCHES = 10  # the newest batches of each campaign the overview shows
# Far enough from datetime's limits that a running clock never overflows.
CLOCK_LIMITS = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC))


async def read_object(request: Request, usage: str) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequest(usage)
    return body


def render_clock(clock: Clock) -> dict[str, Any]:
    return {
        "now": format_timestamp(clock.now()),
        "frozen": clock.frozen_at is not None,
        "offsetSeconds": clock.offset.total_seconds(),
    }


def checked_instant(instant: datetime) -> datetime:
    low, high = CLOCK_LIMITS
    if not low <= instant < high:
        raise BadRequest(
            f"The clock must stay from {format_timestamp(low)} to before {format_timestamp(high)}"
        )
    return instant


def admitted(request: Request) -> bool:
    """Whether the request may see what the mock holds: no admin token is set, or it carries it."""
    guard = request.app.state.admin_token
    return guard is None or guard.admits(request.scope["headers"])


async def health(request: Request) -> Response:
    """Healthy (200) while the store keeps what it is given; 503 after a write it could not keep.

    Open to probes when an admin token is set: without the token, only whether it is healthy."""
    codes = request.app.state.codes
    failure = codes.store.healthy()
    if not admitted(request):
        if failure is not None:
            return error_response(503, "Service unavailable: the store failed")
        return success({"healthy": True})
    if failure is not None:
        return error_response(503, f"Service unavailable: the store {codes.store.name} failed: {failure}")

    def counted() -> int:
        codes.refresh()  # its `now` is the shared clock's
        return codes.code_count

    count = await run_in_threadpool(counted)
    return success(
        {
            "healthy": True,
            "now": format_timestamp(codes.clock.now()),
            "codes": count,
            "store": codes.store.name,
            "process": os.getpid(),  # which of --workers N answered
        }
    )


async def reset_state(request: Request) -> Response:
    await run_in_threadpool(request.app.state.reset)
    return success({"reset": True})


class RequestJournal(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return success({"requests": [entry.render() for entry in request.app.state.journal.entries()]})

    async def delete(self, request: Request) -> Response:
        request.app.state.journal.clear()
        return success({"requests": []})


class MockClock(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        codes = request.app.state.codes
        await run_in_threadpool(codes.refresh)
        return success(render_clock(codes.clock))

    async def post(self, request: Request) -> Response:
        """`{"now": instant}` sets the clock, `{"advanceSeconds": n}` moves it (back if negative)."""
        codes = request.app.state.codes
        body = await read_object(request, CLOCK_USAGE)
        if body.keys() == {"now"}:
            try:
                instant = parse_timestamp(body["now"])
            except ValueError:
                raise BadRequest(CLOCK_USAGE) from None
            await run_in_threadpool(codes.set_clock, checked_instant(instant))
        elif body.keys() == {"advanceSeconds"} and _is_number(body["advanceSeconds"]):
            by = timedelta(seconds=body["advanceSeconds"])
            await run_in_threadpool(codes.refresh)
            checked_instant(codes.clock.now() + by)
            await run_in_threadpool(codes.advance_clock, by)
        else:
            raise BadRequest(CLOCK_USAGE)
        return success(render_clock(codes.clock))


async def revoke(request: Request) -> Response:
    """`{"code": ...}` revokes one code, `{"batchId": ...}` every code of a batch."""
    body = await read_object(request, REVOKE_USAGE)
    codes = request.app.state.codes
    if body.keys() == {"code"} and isinstance(body["code"], str):
        if not await run_in_threadpool(codes.revoke_code, body["code"]):
            raise NotFound(CODE_NOT_FOUND)
        return success({"revoked": "code"})
    if body.keys() == {"batchId"} and isinstance(body["batchId"], str):
        if not await run_in_threadpool(codes.revoke_batch, body["batchId"]):
            raise NotFound(BATCH_NOT_FOUND)
        return success({"revoked": "batch", "batchId": body["batchId"]})
    raise BadRequest(REVOKE_USAGE)


# -- tenants: partners, campaigns and keys at run time ----------------------------------------


class Partners(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        """Every partner with its keys (never a secret) and campaigns: state, stats, newest batches."""
        return success({"partners": await run_in_threadpool(overview, request.app.state.codes)})

    async def post(self, request: Request) -> Response:
        """Add a partner in the fixtures' format; it answers the partner with its secrets and ids."""
        body = await read_object(request, PARTNER_USAGE)
        try:
            seed, added = new_partner(body)
        except ValueError as wrong:
            raise BadRequest(f"{PARTNER_USAGE}. Here {wrong}") from None
        except PartnerConflict as clash:
            raise Conflict(str(clash)) from None
        await run_in_threadpool(request.app.state.codes.add_partner, seed)
        return success({"partner": added})


async def update_campaign(request: Request) -> Response:
    """`{"status": ..., "endsAt": ...}`: what the dashboard sets; either may be left out."""
    body = await read_object(request, CAMPAIGN_USAGE)
    codes: Codes = request.app.state.codes
    if not body or not body.keys() <= {"status", "endsAt"}:
        raise BadRequest(CAMPAIGN_USAGE)
    status, ends_at = body.get("status"), body.get("endsAt")
    if status is not None and status not in {each.value for each in CampaignStatus}:
        raise BadRequest(CAMPAIGN_USAGE)
    if ends_at is not None:
        try:
            ends_at = checked_instant(parse_timestamp(ends_at))
        except (TypeError, ValueError):
            raise BadRequest(CAMPAIGN_USAGE) from None
    if "status" in body and status is None:
        raise BadRequest(CAMPAIGN_USAGE)

    def updated() -> dict[str, Any]:
        codes.refresh()
        campaign = codes.store.campaign_by_id(request.path_params["campaign_id"])
        if campaign is None:
            raise NotFound(CAMPAIGN_NOT_FOUND)
        campaign = codes.update_campaign(
            campaign.id,
            CampaignStatus(status) if status is not None else campaign.status,
            ends_at if "endsAt" in body else campaign.ends_at,
        )
        return render_campaign(codes, campaign)

    return success({"campaign": await run_in_threadpool(updated)})


async def revoke_key(request: Request) -> Response:
    body = await read_object(request, KEY_USAGE)
    if body.keys() != {"secret"} or not isinstance(body["secret"], str):
        raise BadRequest(KEY_USAGE)
    if not await run_in_threadpool(request.app.state.codes.revoke_key, body["secret"]):
        raise NotFound(KEY_NOT_FOUND)
    return success({"revoked": "key"})


def render_campaign(codes: Codes, campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "slug": campaign.slug,
        "name": campaign.name,
        "environment": campaign.environment.value,
        "status": campaign.status.value,
        "endsAt": format_timestamp(campaign.ends_at) if campaign.ends_at else None,
        "ended": codes.campaign_has_ended(campaign),
    }


def overview(codes: Codes) -> list[dict[str, Any]]:
    codes.refresh()
    partners = []
    for seed in codes.store.partners():
        campaigns = []
        for campaign in seed.campaigns:
            batches, _ = codes.store.batch_page(campaign, 0, OVERVIEW_BATCHES)
            campaigns.append(
                {
                    **render_campaign(codes, campaign),
                    "stats": render_stats(codes.campaign_stats(campaign)),
                    "batches": [render_batch(batch) for batch in batches],
                }
            )
        keys = [
            {
                "environment": key.environment.value,
                "revoked": key.revoked,
                "applicationActive": key.application_active,
            }
            for key in seed.keys
        ]
        partners.append(
            {"id": seed.partner.id, "name": seed.partner.name, "keys": keys, "campaigns": campaigns}
        )
    return partners


# -- the dashboard ----------------------------------------------------------------------------


@functools.cache
def _dashboard_page() -> bytes:
    return Path(__file__).with_name("dashboard.html").read_bytes()


async def dashboard(request: Request) -> Response:
    """One page over this API: partners, campaigns, batches, the journal; clock, revoke, reset.

    It comes with what those endpoints answer now, so that its first paint shows the mock; when
    the admin API asks for a token, it comes empty and asks for the token first."""
    codes, journal = request.app.state.codes, request.app.state.journal
    headers = {"Content-Security-Policy": DASHBOARD_POLICY, "Cache-Control": "no-store"}
    if not admitted(request):
        return Response(_dashboard_page(), media_type="text/html; charset=utf-8", headers=headers)

    def state() -> dict[str, Any]:
        partners = overview(codes)  # refreshes the domain first: the clock is the shared one
        return {
            "clock": render_clock(codes.clock),
            "partners": {"partners": partners},
            "journal": {"requests": [entry.render() for entry in journal.entries()]},
        }

    # JSON in a script element: `<` escaped, so no text of a client's can close the element.
    data = orjson.dumps(await run_in_threadpool(state)).replace(b"<", b"\\u003c")
    page = _dashboard_page().replace(
        b"<!--INITIAL-STATE-->", b'<script id="initial-state" type="application/json">' + data + b"</script>"
    )
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


def _is_number(value: object) -> bool:
    # Bounded before timedelta sees it: a century either way is plenty, and never overflows.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= 100 * 366 * 86400
    )


ADMIN_ROUTES = [
    Route(f"{PREFIX}/", dashboard, methods=["GET"], name="mock_dashboard"),
    Route(f"{PREFIX}/health", health, methods=["GET"], name="mock_health"),
    Route(f"{PREFIX}/reset", reset_state, methods=["POST"], name="mock_reset"),
    Route(f"{PREFIX}/requests", RequestJournal, name="mock_requests"),
    Route(f"{PREFIX}/clock", MockClock, name="mock_clock"),
    Route(f"{PREFIX}/revoke", revoke, methods=["POST"], name="mock_revoke"),
    Route(f"{PREFIX}/partners", Partners, name="mock_partners"),
    Route(f"{PREFIX}/campaigns/{{campaign_id}}", update_campaign, methods=["PATCH"], name="mock_campaign"),
    Route(f"{PREFIX}/keys/revoke", revoke_key, methods=["POST"], name="mock_revoke_key"),
]
