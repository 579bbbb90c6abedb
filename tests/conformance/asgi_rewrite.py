"""An ASGI wrapper that lets a small function change what an app is asked or what it answers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from conformance.judge import decode_json

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


@dataclass(frozen=True)
class Asked:
    """A request as the wrapper saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return decode_json(self.body)


@dataclass
class Answer:
    """An answer as the wrapper may change it."""

    status: int
    payload: Any
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


RequestRewrite = Callable[[Asked], "Asked | Answer"]
AnswerRewrite = Callable[[Asked, Answer], Answer]


class Rewrite:
    """Run `app`, letting `on_request` change (or answer) requests and `on_answer` change JSON answers."""

    def __init__(
        self, app: ASGIApp, on_request: RequestRewrite | None = None, on_answer: AnswerRewrite | None = None
    ):
        self.app, self.on_request, self.on_answer = app, on_request, on_answer

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = await read_request(scope, receive)
        if self.on_request is not None:
            rewritten = self.on_request(asked)
            if isinstance(rewritten, Answer):
                await send_answer(send, rewritten)
                return
            asked = rewritten
        answer = await run_app(self.app, scope, asked)
        if self.on_answer is not None:
            answer = self.on_answer(asked, answer)
        await send_answer(send, answer)


async def read_request(scope: dict, receive: Callable) -> Asked:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
    query = dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))
    return Asked(scope["method"], scope["path"], query, headers, body)


async def run_app(app: ASGIApp, scope: dict, asked: Asked) -> Answer:
    headers = [
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in asked.headers.items() if k != "content-length"
    ]
    headers.append((b"content-length", str(len(asked.body)).encode()))
    # The query as the rewrite left it (one value per name).
    inner_scope = {**scope, "headers": headers, "query_string": urlencode(asked.query).encode()}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": asked.body, "more_body": False}

    async def collect(message: dict) -> None:
        sent.append(message)

    await app(inner_scope, receive, collect)
    start = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(
        message.get("body", b"") for message in sent if message["type"] == "http.response.body"
    )
    kept = [
        (k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"content-type")
    ]
    payload = decode_json(content)
    return Answer(start["status"], payload if payload is not None else content.decode("latin-1"), kept)


async def send_answer(send: Callable, answer: Answer) -> None:
    if isinstance(answer.payload, str):
        content, media_type = answer.payload.encode("latin-1"), b"text/plain"
    else:
        content, media_type = json.dumps(answer.payload).encode(), b"application/json"
    headers = [
        *answer.headers,
        (b"content-type", media_type),
        (b"content-length", str(len(content)).encode()),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def recording(app: ASGIApp, log: list[tuple[Asked, Answer]]) -> Rewrite:
    """`app` unchanged, with every request and its JSON answer noted in `log`."""

    def note(asked: Asked, answer: Answer) -> Answer:
        log.append((asked, answer))
        return answer

    return Rewrite(app, on_answer=note)
