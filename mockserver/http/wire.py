"""JSON on the wire: the D1 envelopes going out and request bodies coming in."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Send

from ..domain.errors import INVALID_BODY, ApiError, BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 1024 * 1024
# The most of a refused body read and dropped so that its sender reads the answer (RequestBody).
DRAIN_BYTES = 16 * 1024 * 1024
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
    """The request's JSON body (see `RequestBody.json`); the rest of it is drained on a refusal."""
    headers = request.headers
    body = RequestBody(request.receive, headers.get("content-length", ""), headers.get("expect", ""))
    try:
        return await body.json(headers.get("content-type", ""))
    except ApiError:
        await body.drain()
        raise


class RequestBody:
    """A request's body as it arrives, read once, and drained when the answer comes early.

    An answer sent while the client is still sending its body, followed by the close a
    `Connection: close` request asks for, makes the client's socket reset: it sees a broken
    pipe, not the answer. So before an early answer (a 413, a 401 before the body was read)
    the rest of the body is read and dropped, up to DRAIN_BYTES; a body declared larger than
    that, or held back by `Expect: 100-continue`, is not asked for.
    """

    __slots__ = ("_receive", "complete", "declared", "expects_continue", "received")

    def __init__(self, receive: Receive, content_length: str, expect: str = "") -> None:
        self._receive = receive
        self.declared = _length(content_length)
        self.expects_continue = expect.strip().lower() == "100-continue"
        self.complete = False
        self.received = 0

    async def chunk(self) -> bytes:
        """The next part of the body; BadRequest if the client left before sending all of it."""
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self.complete = True
            # The client left before sending its whole body: a client error (no one reads the answer).
            raise BadRequest(INVALID_BODY)
        chunk: bytes = message.get("body", b"")
        self.received += len(chunk)
        if not message.get("more_body", False):
            self.complete = True
        return chunk

    async def json(self, content_type: str) -> Any:
        """The JSON body: 415 unless sent as JSON, 413 past the limit, 400 if malformed."""
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType("Content-Type must be application/json")
        if self.declared is not None and self.declared > MAX_BODY_BYTES:
            raise PayloadTooLarge(TOO_LARGE)
        chunks = []
        # Read as it arrives, so a body past the limit is refused without holding all of it.
        while not self.complete:
            chunks.append(await self.chunk())
            if self.received > MAX_BODY_BYTES:
                raise PayloadTooLarge(TOO_LARGE)
        try:
            return orjson.loads(chunks[0] if len(chunks) == 1 else b"".join(chunks))
        except orjson.JSONDecodeError:
            raise BadRequest(INVALID_BODY) from None

    async def drain(self) -> None:
        """Read and drop what is left of the body, if it is not too much to wait for."""
        if self.complete or (self.expects_continue and self.received == 0):
            return
        if self.declared is not None and self.declared > DRAIN_BYTES:
            return
        while not self.complete and self.received <= DRAIN_BYTES:
            try:
                await self.chunk()
            except BadRequest:
                return


TOO_LARGE = f"Request body is larger than {MAX_BODY_BYTES} bytes"


def _length(declared: str) -> int | None:
    """A Content-Length value as a number (any length of digits); None if there is none."""
    if not (declared.isascii() and declared.isdigit()):
        return None
    digits = declared.lstrip("0")
    # Past 20 digits it is more than any limit here: no need to make a number of 10,000 digits.
    return int(digits or "0") if len(digits) <= 20 else 10**20
