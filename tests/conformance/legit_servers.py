"""Legitimate alternative implementations: each honours the docs and decides otherwise where they are
silent (§14 of the facts, D1-D10). The suite must find every one CONFORMANT, whatever the seed.

Each is the real mock with one decision made differently, through an ASGI rewrite of its
requests or answers, or through its own spec or fixtures.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from asgi_rewrite import Answer, ASGIApp, Asked, Rewrite
from broken_servers import BATCHES, GENERATE, STATS, VERIFY, on_answers

from conformance.judge.contract import Contract
from conformance.judge.instants import parse_instant
from mockserver import create_app
from mockserver.contract.spec import Spec
from mockserver.contract.timestamps import format_timestamp

DOCUMENTED_400 = {"batchSize must be between 1 and 10000", "pointsValue must be positive"}
CLOSED_CAMPAIGNS = {"autumn-2024": "Campaign has ended", "spring-launch": "Campaign is not active"}
_TIMESTAMP = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})Z"')


def route(asked: Asked) -> tuple[str, str]:
    return (asked.method, asked.path)


def is_redeem(asked: Asked) -> bool:
    return asked.method == "POST" and re.fullmatch(r"/v1/campaigns/[^/]+/redeem", asked.path) is not None


def with_body(asked: Asked, body: Any) -> Asked:
    return replace(asked, body=json.dumps(body).encode())


def error(status: int, message: str) -> Answer:
    return Answer(status, {"status": "error", "code": status, "message": message})


def null_means_absent() -> ASGIApp:
    """Takes null for an optional field of generate (label, expiresAt) as the field left out."""

    def drop_nulls(asked: Asked) -> Asked:
        body = asked.json()
        if route(asked) == GENERATE and isinstance(body, dict):
            return with_body(
                asked, {k: v for k, v in body.items() if not (k in ("label", "expiresAt") and v is None)}
            )
        return asked

    return Rewrite(create_app(), on_request=drop_nulls)


def nulls_for_a_code_not_found() -> ASGIApp:
    """Answers an unknown code with a null status, campaignName and campaignSlug."""

    def nulls(_asked: Asked, data: dict) -> None:
        if data["message"] == "Code not found":
            data.update(status=None, campaignName=None, campaignSlug=None)

    return on_answers({VERIFY: nulls})


def lenient_pages() -> ASGIApp:
    """Reads page and limit leniently: below 1 or not a whole number, page is 1 and limit 20."""

    def read(asked: Asked) -> Asked:
        if route(asked) != BATCHES:
            return asked
        query = dict(asked.query)
        for name, default in (("page", "1"), ("limit", "20")):
            value = query.get(name)
            if value is not None and not (value.isdigit() and 0 < int(value) < 2**63):
                query[name] = default
        return replace(asked, query=query)

    return Rewrite(create_app(), on_request=read)


def limit_capped_at_50() -> ASGIApp:
    """Answers a limit above 50 with pages of 50, and says so in `limit`."""

    def cap(asked: Asked) -> Asked:
        limit = asked.query.get("limit", "")
        if route(asked) == BATCHES and limit.isdigit() and int(limit) > 50:
            return replace(asked, query={**asked.query, "limit": "50"})
        return asked

    return Rewrite(create_app(), on_request=cap)


def own_client_errors() -> ASGIApp:
    """Refuses what the docs give no message for with 422 and messages of its own wording."""

    def reword(_asked: Asked, answer: Answer) -> Answer:
        message = answer.payload.get("message") if isinstance(answer.payload, dict) else None
        if answer.status in (400, 413, 415) and message not in DOCUMENTED_400:
            return error(422, f"Unprocessable request ({message})")
        if answer.status == 401 and message == "Missing X-API-Secret header":
            return error(401, "X-API-Secret header required")
        return answer

    return Rewrite(create_app(), on_answer=reword)


def oldest_first() -> ASGIApp:
    """Lists batches oldest first (the docs state no order)."""
    app = create_app()

    def order(asked: Asked) -> Asked | Answer:
        if route(asked) != BATCHES:
            return asked
        codes = app.state.codes
        try:
            principal = codes.authenticate(asked.headers.get("x-api-secret"))
            page, limit = int(asked.query.get("page", "1")), int(asked.query.get("limit", "20"))
            every = codes.list_batches(principal, asked.query["slug"], 1, 10**6).batches[::-1]
        except Exception:
            return asked
        if page < 1 or not 1 <= limit <= 100:
            return asked
        shown = every[(page - 1) * limit : page * limit]
        batches = [_batch_json(batch) for batch in shown]
        data = {"batches": batches, "total": len(every), "page": page, "limit": limit}
        return Answer(200, {"status": "success", "data": data})

    return Rewrite(app, on_request=order)


def _batch_json(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.id,
        "campaignId": batch.campaign.id,
        "batchSize": batch.batch_size,
        "pointsValue": batch.points_value,
        "label": batch.label,
        "expiresAt": format_timestamp(batch.expires_at) if batch.expires_at else None,
        "createdAt": format_timestamp(batch.created_at),
    }


def refuses_past_expiry() -> ASGIApp:
    """Refuses an expiresAt that has passed (the docs do not say whether it may)."""

    def check(asked: Asked) -> Asked | Answer:
        body = asked.json()
        if route(asked) == GENERATE and isinstance(body, dict) and isinstance(body.get("expiresAt"), str):
            try:
                past = parse_instant(body["expiresAt"]) <= datetime.now(UTC)
            except ValueError:
                return asked
            if past:
                return error(400, "expiresAt must be in the future")
        return asked

    return Rewrite(create_app(), on_request=check)


def no_codes_for_closed_campaigns() -> ASGIApp:
    """Refuses to generate codes for a campaign that is paused or has ended."""

    def check(asked: Asked) -> Asked | Answer:
        body = asked.json()
        slug = body.get("slug") if route(asked) == GENERATE and isinstance(body, dict) else None
        acme = asked.headers.get("x-api-secret") == "sk_test_acme_mock_secret"
        if acme and isinstance(slug, str) and slug in CLOSED_CAMPAIGNS:
            return error(409, CLOSED_CAMPAIGNS[slug])
        return asked

    return Rewrite(create_app(), on_request=check)


def lax_types() -> ASGIApp:
    """Reads bodies as a lax framework does: "5", 5.0 and true are integers, 5 is a string,
    unknown fields and null or unreadable optional fields are left out."""

    def coerce(asked: Asked) -> Asked:
        body = asked.json()
        if route(asked) != GENERATE or not isinstance(body, dict):
            return asked
        read: dict[str, Any] = {}
        for name, value in body.items():
            if name in ("batchSize", "pointsValue"):
                read[name] = _lax_integer(value)
            elif name == "slug":
                read[name] = (
                    str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
                )
            elif name == "label" and isinstance(value, str | int | float) and not isinstance(value, bool):
                read[name] = str(value)[:255]
            elif name == "expiresAt" and isinstance(value, str):
                try:
                    parse_instant(value)
                    read[name] = value
                except ValueError:
                    pass
        return with_body(asked, read)

    return Rewrite(create_app(), on_request=coerce)


def _lax_integer(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return value


def strict_types() -> ASGIApp:
    """Refuses unknown fields, numbers with a fraction (2.0 too), labels over 100 characters and
    pointsValue over 100000, each with a 400 of its own wording."""

    def check(asked: Asked) -> Asked | Answer:
        body = asked.json()
        if route(asked) != GENERATE or not isinstance(body, dict):
            return asked
        unknown = set(body) - {"slug", "batchSize", "pointsValue", "label", "expiresAt"}
        if unknown:
            return error(400, f"Unknown field {sorted(unknown)[0]}")
        if isinstance(body.get("batchSize"), float):
            return error(400, "batchSize must be between 1 and 10000")
        if isinstance(body.get("pointsValue"), float):
            return error(400, "pointsValue must be positive")
        if isinstance(body.get("label"), str) and len(body["label"]) > 100:
            return error(400, "label is too long")
        points = body.get("pointsValue")
        if isinstance(points, int) and not isinstance(points, bool) and points > 100_000:
            return error(400, "pointsValue is too large")
        return asked

    return Rewrite(create_app(), on_request=check)


def codes_as_typed() -> ASGIApp:
    """Looks codes up exactly as typed: a code trimmed or upper-cased by the mock is not found."""

    def exact(asked: Asked) -> Asked:
        body = asked.json()
        code = body.get("code") if isinstance(body, dict) else None
        if (
            (route(asked) == VERIFY or is_redeem(asked))
            and isinstance(code, str)
            and code != code.strip().upper()
        ):
            return with_body(asked, {**body, "code": f"{code}#"})  # a code no batch holds
        return asked

    return Rewrite(create_app(), on_request=exact)


def fewer_characters() -> ASGIApp:
    """Draws codes from a narrower alphabet: no S, U or V either (the docs exclude only O0I1L)."""
    document = copy.deepcopy(Contract.load().document)
    document["components"]["schemas"]["Code"]["x-code-format"]["alphabet"] = "ABCDEFGHJKMNPQRTWXYZ23456789"
    return create_app(spec=Spec(document))


def fractional_instants() -> ASGIApp:
    """Writes instants with milliseconds and a +00:00 offset (RFC 3339 as well)."""

    def rewrite(_asked: Asked, answer: Answer) -> Answer:
        if not isinstance(answer.payload, dict):
            return answer
        text = _TIMESTAMP.sub(r'"\1.000+00:00"', json.dumps(answer.payload))
        return replace(answer, payload=json.loads(text))

    return Rewrite(create_app(), on_answer=rewrite)


def more_fields() -> ASGIApp:
    """Adds fields: message and code to every envelope (as the core API has them), counts to batches."""

    def add(_asked: Asked, answer: Answer) -> Answer:
        if not isinstance(answer.payload, dict):
            return answer
        payload = copy.deepcopy(answer.payload)
        payload.setdefault("code", answer.status)
        payload.setdefault("message", "OK" if answer.status < 400 else payload.get("message"))
        data = payload.get("data")
        if isinstance(data, dict):
            data["requestId"] = "req-1"
            for batch in [data.get("batch"), *(data.get("batches") or [])]:
                if isinstance(batch, dict):
                    batch["redeemedCount"] = 0
        if answer.status >= 400:
            payload["errors"] = []
        return replace(answer, payload=payload)

    return Rewrite(create_app(), on_answer=add)


def no_null_fields() -> ASGIApp:
    """Leaves out a batch's expiresAt when it has none, and sends its missing label as ""."""

    def tidy(batch: dict) -> None:
        if batch.get("expiresAt") is None:
            batch.pop("expiresAt", None)
        if batch.get("label") is None:
            batch["label"] = ""

    def rewrite(_asked: Asked, data: dict) -> None:
        for batch in [data.get("batch"), *(data.get("batches") or [])]:
            if isinstance(batch, dict):
                tidy(batch)

    return on_answers({GENERATE: rewrite, BATCHES: rewrite})


def campaign_state_first() -> ASGIApp:
    """Verify names a closed campaign before the code's own status (D7 orders it the other way)."""

    def reorder(_asked: Asked, data: dict) -> None:
        slug = data.get("campaignSlug")
        if slug in CLOSED_CAMPAIGNS and data["status"] != "ACTIVE":
            data.update(message=CLOSED_CAMPAIGNS[slug], valid=False)

    return on_answers({VERIFY: reorder})


def redeems_its_own_way() -> ASGIApp:
    """Redeem answers 201 with a body of its own, and refuses a code's state with 410 or 422."""

    def answer(asked: Asked, answer: Answer) -> Answer:
        if not is_redeem(asked):
            return answer
        if answer.status == 200:
            data = answer.payload["data"]
            return Answer(
                201, {"status": "success", "data": {"redeemed": True, "points": data["pointsAwarded"]}}
            )
        if answer.status == 409:
            message = answer.payload["message"]
            return error(410 if message == "Code status is REDEEMED" else 422, message)
        return answer

    return Rewrite(create_app(), on_answer=answer)


def stats_with_slug_check() -> ASGIApp:
    """Answers stats and the list of a slug that is not a campaign's slug format with 400, not 404."""

    def check(asked: Asked) -> Asked | Answer:
        slug = asked.query.get("slug")
        if route(asked) in (STATS, BATCHES) and slug and not re.fullmatch(r"[a-z0-9-]{1,64}", slug):
            return error(400, "slug is not a campaign slug")
        return asked

    return Rewrite(create_app(), on_request=check)


def forbids_other_partners() -> ASGIApp:
    """Answers another partner's secret asking for a campaign it cannot have with 403, not 404."""

    def forbid(asked: Asked, answer: Answer) -> Answer:
        if (
            answer.status == 404
            and answer.payload.get("message") == "Campaign not found"
            and asked.headers.get("x-api-secret") == "sk_test_globex_mock_secret"
        ):
            return error(403, "This campaign belongs to another account")
        return answer

    return Rewrite(create_app(), on_answer=forbid)


LEGITIMATE: dict[str, Callable[[], ASGIApp]] = {
    "null means absent": null_means_absent,
    "nulls for a code not found": nulls_for_a_code_not_found,
    "page 0 is page 1": lenient_pages,
    "limit capped at 50": limit_capped_at_50,
    "422 and own messages": own_client_errors,
    "oldest first": oldest_first,
    "no expiry in the past": refuses_past_expiry,
    "no codes for closed campaigns": no_codes_for_closed_campaigns,
    "lax types": lax_types,
    "strict types": strict_types,
    "codes as typed": codes_as_typed,
    "fewer characters": fewer_characters,
    "fractional instants": fractional_instants,
    "more fields": more_fields,
    "no null fields": no_null_fields,
    "campaign state first": campaign_state_first,
    "redeems its own way": redeems_its_own_way,
    "400 for an odd slug": stats_with_slug_check,
    "403 for another partner's campaign": forbids_other_partners,
}
