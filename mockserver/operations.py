"""One function per API operation, named after its operationId: call the backend, render `data`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .domain import Batch, CodesBackend, Principal
from .timestamps import format_timestamp, parse_timestamp


@dataclass(frozen=True)
class Call:
    """A request that passed authentication and the spec's validation."""

    backend: CodesBackend
    principal: Principal
    body: Mapping[str, Any]
    query: Mapping[str, Any]
    public_base_url: str


def render_batch(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "campaignId": batch.campaign_id,
        "batchSize": batch.batch_size,
        "pointsValue": batch.points_value,
        "label": batch.label,
        "expiresAt": format_timestamp(batch.expires_at),
        "createdAt": format_timestamp(batch.created_at),
    }


def generate_codes(call: Call) -> dict[str, Any]:
    body = call.body
    expires_at = body.get("expiresAt")
    generated = call.backend.generate_codes(
        call.principal,
        slug=body["slug"],
        batch_size=body["batchSize"],
        points_value=body["pointsValue"],
        label=body.get("label"),
        expires_at=parse_timestamp(expires_at) if expires_at is not None else None,
    )
    return {
        "batch": render_batch(generated.batch),
        "codes": generated.codes,
        "count": len(generated.codes),
        "gameUrl": f"{call.public_base_url}/campaign/{generated.campaign.slug}",
    }


def list_code_batches(call: Call) -> dict[str, Any]:
    page = call.backend.list_batches(call.principal, **call.query)
    return {
        "batches": [render_batch(batch) for batch in page.batches],
        "total": page.total,
        "page": page.page,
        "limit": page.limit,
    }


OPERATIONS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "generateCodes": generate_codes,
    "listCodeBatches": list_code_batches,
}
