"""JSON on the wire: the D1 envelopes going out and request bodies coming in."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Send

from .errors import INVALID_BODY, BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 1024 * 1024
_JSON = (b"content-type", b"application/json")


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def success_envelope(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def error_envelope(status: int, message: str) -> dict[str, Any]:
    return {"status": "error", "code": status, "message": message}


def success(data: Any) -> JSONResponse:
    return JSONResponse(success_envelope(data))


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_envelope(status, message), status, headers)


async def send_json(send: Send, status: int, content: Any, headers: dict[str, str] | None = None) -> None:
    """What `JSONResponse(content, status, headers)` sends, without building a response object."""
    body = orjson.dumps(content)
    extra = (headers or {}).items()
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra]
    raw += [(b"content-length", str(len(body)).encode("latin-1")), _JSON]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def read_json(request: Request) -> Any:
    """The request's JSON body (see `read_json_body`)."""
    headers = request.headers
    return await read_json_body(
        request.receive, headers.get("content-type", ""), headers.get("content-length", "")
    )


async def read_json_body(receive: Receive, content_type: str, content_length: str) -> Any:
    """The JSON body `receive` brings: 415 unless sent as JSON, 413 past the limit, 400 if malformed."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Content-Type must be application/json")
    if _declares_too_much(content_length):
        raise PayloadTooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    # Read as it arrives, so a body past the limit is refused without holding all of it.
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # The client left before sending its whole body: a client error (no one reads the answer).
            raise BadRequest(INVALID_BODY)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        return orjson.loads(chunks[0] if len(chunks) == 1 else b"".join(chunks))
    except orjson.JSONDecodeError:
        raise BadRequest(INVALID_BODY) from None


def _declares_too_much(declared: str) -> bool:
    """Whether a Content-Length value is a number above the limit (any length of digits)."""
    if not (declared.isascii() and declared.isdigit()):
        return False
    digits = declared.lstrip("0")
    return len(digits) > len(str(MAX_BODY_BYTES)) or int(digits or "0") > MAX_BODY_BYTES
