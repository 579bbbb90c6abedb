"""The mock's own API under `/__mock/` (D10): health, reset, the request journal, the clock, revoking.

Not GamifyHost's API, so not in openapi.yaml; docs/admin-api.md describes it. Every endpoint
parses, calls the domain (or the journal) and renders the D1 envelope; bad input is a 400
that says what to send.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain.clock import Clock
from ..domain.errors import CODE_NOT_FOUND, BadRequest, NotFound
from ..timestamps import format_timestamp, parse_timestamp
from .wire import error_response, read_json, success

PREFIX = "/__mock"
BATCH_NOT_FOUND = "Batch not found"
CLOCK_USAGE = 'Send {"now": "<RFC 3339 date-time>"} or {"advanceSeconds": <number>}'
REVOKE_USAGE = 'Send {"code": "<code>"} or {"batchId": "<batch id>"}'
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


async def health(request: Request) -> Response:
    """Healthy (200) while the store keeps what it is given; 503 after a write it could not keep."""
    codes = request.app.state.codes
    failure = codes.store.healthy()
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


def _is_number(value: object) -> bool:
    # Bounded before timedelta sees it: a century either way is plenty, and never overflows.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= 100 * 366 * 86400
    )


ADMIN_ROUTES = [
    Route(f"{PREFIX}/health", health, methods=["GET"], name="mock_health"),
    Route(f"{PREFIX}/reset", reset_state, methods=["POST"], name="mock_reset"),
    Route(f"{PREFIX}/requests", RequestJournal, name="mock_requests"),
    Route(f"{PREFIX}/clock", MockClock, name="mock_clock"),
    Route(f"{PREFIX}/revoke", revoke, methods=["POST"], name="mock_revoke"),
]
