"""The checking proxy: a reverse proxy in front of any implementation that hands each exchange to the
judge as it passes.

A request goes upstream as it came (method, path, query, headers and body; only the hop-by-hop
headers of the connection itself are the proxy's own, and Host names the upstream), and the
answer comes back as the upstream gave it: status, headers and body, streamed as they arrive,
with keep-alive on both sides. The mock's caps apply: 64 KiB of request head (431) and 1 MiB of
request body (413), in the error envelope. Paths under /__conformance/ are the proxy's own and
never forwarded: GET /__conformance/report answers the report so far. A request the upstream
does not answer gets a 502 in the error envelope and counts as unreachable, not as a violation.

The judge works beside the traffic, in a thread of its own, in the order the answers came: a
client never waits for it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from mockserver.http.protocol import BoundedHttpToolsProtocol  # the mock's cap of a request's head
from mockserver.http.wire import MAX_BODY_BYTES  # and of its body

from ..judge import Exchange, Judge, headers_of
from .encoding import decompressed

OWN_PREFIX = "/__conformance/"
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
     "transfer-encoding", "upgrade", "proxy-connection"}
)  # fmt: skip
JUDGED_BODY = 32 * 1024 * 1024  # the most of an answer the judge reads; the client gets all of it
UPSTREAM_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# An idle connection to the upstream is let go after 2 s, before servers that keep one 5 s (uvicorn,
# Node) close it: a request is never written on a connection its server is closing.
UPSTREAM_LIMITS = httpx.Limits(max_keepalive_connections=32, keepalive_expiry=2.0)

__all__ = ["BoundedHttpToolsProtocol", "CheckingProxy"]


def _envelope(status: int, message: str) -> bytes:
    return orjson.dumps({"status": "error", "code": status, "message": message})


class CheckingProxy:
    """The ASGI app of the proxy. `report()` gives the bytes of GET /__conformance/report."""

    def __init__(self, upstream: str, judge: Judge, report: Callable[[], bytes]) -> None:
        parts = urlsplit(upstream)
        self.upstream = upstream.rstrip("/")
        self.host = parts.netloc
        self.judge = judge
        self.report = report
        self.client: httpx.AsyncClient | None = None
        self._pending: queue.SimpleQueue[Exchange | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._judge_in_turn, name="proxy-judge", daemon=True)
        self._worker.start()

    # -- the judge's thread -------------------------------------------------------------------

    def _judge_in_turn(self) -> None:
        while (exchange := self._pending.get()) is not None:
            if exchange.status == 502 and exchange.notes.get("unreachable"):
                self.judge.unreachable(exchange)
            else:
                self.judge.judge(exchange)

    def drain(self) -> None:
        """Wait until every exchange that passed was judged, then stop judging."""
        self._pending.put(None)
        self._worker.join()

    # -- ASGI ---------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            if scope["path"].startswith(OWN_PREFIX):
                await self._own(scope, send)
            else:
                await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.client = httpx.AsyncClient(
                    timeout=UPSTREAM_TIMEOUT, limits=UPSTREAM_LIMITS, follow_redirects=False, trust_env=False
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.client is not None:
                    await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _own(self, scope: dict[str, Any], send: Any) -> None:
        if scope["path"] == f"{OWN_PREFIX}report" and scope["method"] in ("GET", "HEAD"):
            await _answer(send, 200, await _in_thread(self.report))
        else:
            await _answer(send, 404, _envelope(404, f"Not found: {OWN_PREFIX}report is the proxy's own page"))

    async def _forward(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.time()
        body, too_large = await _read_body(receive)
        if too_large:
            await _answer(send, 413, _envelope(413, f"Request body is larger than {MAX_BODY_BYTES} bytes"))
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = f"{self.upstream}{scope.get('raw_path', scope['path'].encode()).decode('latin-1')}"
        target = target.split("?", 1)[0] + (f"?{query}" if query else "")
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in scope["headers"]
            if name.lower() not in HOP_BY_HOP and name.lower() != b"host"
        ]
        request_headers = headers_of(headers)
        index = self.judge.next_index()
        self.judge.begun(index, started)
        try:
            await self._pass_on(scope, send, target, headers, request_headers, body, started, index)
        except BaseException:
            self.judge.abandoned(index)  # the client went away: nothing to judge
            raise

    async def _pass_on(
        self,
        scope: dict[str, Any],
        send: Any,
        target: str,
        headers: list[tuple[str, str]],
        request_headers: dict[str, str],
        body: bytes,
        started: float,
        index: int,
    ) -> None:
        assert self.client is not None
        request = self.client.build_request(
            scope["method"], target, headers=[*headers, ("host", self.host)], content=body
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as error:
            message = f"Bad gateway: {self.upstream} did not answer ({type(error).__name__}: {error})"
            content = _envelope(502, message)
            await _answer(send, 502, content)
            asked = (scope["method"], target, request_headers, body or None)
            self._passed(
                *asked, 502, {"content-type": "application/json"}, content, started, index, unreachable=True
            )
            return
        kept = [
            (name, value)
            for name, value in response.headers.raw
            if name.lower().decode("latin-1") not in HOP_BY_HOP
        ]
        await send({"type": "http.response.start", "status": response.status_code, "headers": kept})
        judged, size = bytearray(), 0
        try:
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if len(judged) < JUDGED_BODY:
                    judged += chunk
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await response.aclose()
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        answer = decompressed(bytes(judged), response.headers.get("content-encoding", ""))
        asked = (scope["method"], target, request_headers, body or None)
        answered = (response.status_code, headers_of(response.headers.items()), answer)
        self._passed(*asked, *answered, started, index, truncated=size > JUDGED_BODY)

    def _passed(
        self,
        method: str,
        url: str,
        request_headers: dict[str, str],
        request_body: bytes | None,
        status: int,
        response_headers: dict[str, str],
        response_body: bytes,
        started: float,
        index: int,
        **notes: bool,
    ) -> None:
        """An exchange that passed, for the judge's thread."""
        kept = {name: True for name, value in notes.items() if value}
        exchange = Exchange(
            method, url, request_headers, request_body, status, response_headers, response_body,
            started, time.time(), index, kept,
        )  # fmt: skip
        self._pending.put(exchange)


async def _in_thread(function: Callable[[], bytes]) -> bytes:
    return await asyncio.get_running_loop().run_in_executor(None, function)


async def _read_body(receive: Any) -> tuple[bytes, bool]:
    """The whole request body, and whether it went past the cap (then the rest is read and dropped)."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks), size > MAX_BODY_BYTES


async def _answer(send: Any, status: int, content: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
