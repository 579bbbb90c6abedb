"""JSON on the wire: the D1 envelopes going out and request bodies coming in."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from .errors import INVALID_BODY, BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 1024 * 1024


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def success(data: Any) -> JSONResponse:
    return JSONResponse({"status": "success", "data": data})


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "code": status, "message": message}, status, headers)


async def read_json(request: Request) -> Any:
    """The request's JSON body: 415 unless sent as JSON, 413 past the limit, 400 if malformed."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Content-Type must be application/json")
    if _declares_too_much(request.headers.get("content-length", "")):
        raise PayloadTooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    try:
        # Read as it arrives, so a body past the limit is refused without holding all of it.
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise PayloadTooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # The client left before sending its whole body: a client error (no one reads the answer).
        raise BadRequest(INVALID_BODY) from None
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise BadRequest(INVALID_BODY) from None


def _declares_too_much(declared: str) -> bool:
    """Whether a Content-Length value is a number above the limit (any length of digits)."""
    if not (declared.isascii() and declared.isdigit()):
        return False
    digits = declared.lstrip("0")
    return len(digits) > len(str(MAX_BODY_BYTES)) or int(digits or "0") > MAX_BODY_BYTES
