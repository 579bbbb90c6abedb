"""Request bodies above 1 MiB get 413 in the envelope, without the mock keeping them.

In-process the app is driven as ASGI with a body that never ends, so the test counts the bytes
the mock pulled: it judges at 1 MiB, then drains at most DRAIN_BYTES so that the sender reads
the answer; over real HTTP, the 413 arrives while the client is still sending.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import select
import time
from collections.abc import Iterator
from typing import Any

import pytest
from raw_http import TIMEOUT, chunked, connect, read_answer, request_bytes

from mockserver import create_app
from mockserver.http.wire import DRAIN_BYTES, MAX_BODY_BYTES

ACME_TEST = "sk_test_acme_mock_secret"
TOO_LARGE = {"status": "error", "code": 413, "message": "Request body is larger than 1048576 bytes"}
CHUNK = 64 * 1024
POSTS = [
    "/v1/campaigns/codes/generate",
    "/v1/campaigns/codes/verify",
    "/v1/campaigns/summer-promo/redeem",
]


class Answer:
    def __init__(self) -> None:
        self.status = 0
        self.body = b""
        self.pulled = 0  # body bytes the app asked for


def drive(
    app: Any, path: str, chunks: Iterator[bytes], content_length: str | None = None, expect: str | None = None
) -> Answer:
    """One POST through the app as uvicorn would make it, the body given chunk by chunk."""
    answer = Answer()
    headers = [(b"x-api-secret", ACME_TEST.encode()), (b"content-type", b"application/json")]
    if content_length is not None:
        headers.append((b"content-length", content_length.encode("latin-1")))
    if expect is not None:
        headers.append((b"expect", expect.encode("latin-1")))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        answer.pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
        else:
            answer.body += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return answer


def endless() -> Iterator[bytes]:
    """A JSON body that never ends: an opening bracket, then spaces for ever."""
    yield b'{"code": "'
    yield from itertools.repeat(b" " * CHUNK)


@pytest.mark.parametrize("path", POSTS)
def test_an_endless_body_gets_413_after_draining_a_bounded_amount(app: Any, path: str) -> None:
    answer = drive(app, path, endless())
    assert (answer.status, json.loads(answer.body)) == (413, TOO_LARGE)
    # Judged at the limit; then drained (so that a sender reads the answer), but not for ever.
    assert DRAIN_BYTES < answer.pulled <= DRAIN_BYTES + CHUNK + 16


@pytest.mark.parametrize("declared", ["16777217", "99999999999", "9" * 5000, "0" * 4000 + "20000000"])
def test_a_declared_length_past_what_is_drained_gets_413_before_any_body_is_read(app: Any, declared: str):
    answer = drive(app, POSTS[1], endless(), content_length=declared)
    assert (answer.status, json.loads(answer.body)) == (413, TOO_LARGE)
    assert answer.pulled == 0


@pytest.mark.parametrize("declared", [MAX_BODY_BYTES + 1, 2_000_000, DRAIN_BYTES])
def test_a_declared_length_over_the_limit_is_drained_then_refused(app: Any, declared: int) -> None:
    body = itertools.chain([b'{"code": "'], itertools.repeat(b" " * 1000, (declared - 10) // 1000))
    answer = drive(app, POSTS[1], body, content_length=str(declared))
    assert (answer.status, json.loads(answer.body)) == (413, TOO_LARGE)
    assert answer.pulled == 10 + (declared - 10) // 1000 * 1000  # all of it, and no more


def test_a_client_that_waits_for_100_continue_is_not_asked_for_its_body(app: Any) -> None:
    answer = drive(app, POSTS[1], endless(), content_length="2000000", expect="100-continue")
    assert (answer.status, json.loads(answer.body)) == (413, TOO_LARGE)
    assert answer.pulled == 0


@pytest.mark.parametrize("declared", ["²", "-5", "1e9", ""])
def test_a_content_length_that_is_no_number_is_not_trusted_and_the_body_is_read(app: Any, declared: str):
    answer = drive(app, POSTS[1], iter([b'{"code": "x"}']), content_length=declared)
    assert answer.status == 200
    assert json.loads(answer.body)["data"]["message"] == "Code not found"


def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not() -> None:
    app = create_app()
    body = b'{"code": "x"}'
    padded = body + b" " * (MAX_BODY_BYTES - len(body))
    assert drive(app, POSTS[1], iter([padded])).status == 200
    assert drive(app, POSTS[1], iter([padded, b" "])).status == 413
    assert app.state.codes.code_count == create_app().state.codes.code_count


def test_an_endless_chunked_body_over_http_gets_413_while_it_is_still_being_sent(live_server: str):
    sent, cap = 0, 64 * 1024 * 1024
    head = request_bytes(
        "POST", POSTS[0].encode(), {"X-API-Secret": ACME_TEST, "Content-Type": "application/json"}
    )
    with connect(live_server) as sock:
        sock.sendall(head.replace(b"\r\n\r\n", b"\r\nTransfer-Encoding: chunked\r\n\r\n"))
        deadline = time.monotonic() + TIMEOUT
        for piece in chunked(endless()):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable or sent > cap or time.monotonic() > deadline:
                break
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server may stop reading once it has answered
            sent += len(piece)
        answer = read_answer(sock)
    assert answer is not None
    assert (answer.status, answer.json()) == (413, TOO_LARGE)
    assert sent < cap, "the mock answered only once the client stopped sending"


def test_a_streamed_body_without_length_over_http_gets_413_in_the_envelope(live_client: Any) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"code": "'
        yield from itertools.repeat(b"x" * CHUNK, 2 * MAX_BODY_BYTES // CHUNK)
        yield b'"}'

    headers = {"X-API-Secret": ACME_TEST, "Content-Type": "application/json"}
    response = live_client.post(POSTS[1], content=body(), headers=headers)
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    assert "content-length" not in response.request.headers
