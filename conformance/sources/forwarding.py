"""A lean HTTP/1.1 reverse proxy on asyncio and httptools: requests go upstream as they came, answers
come back as they were given, and a listener hears of each exchange.

A request is read whole (the mock's caps: 64 KiB of head, 1 MiB of body, refused with 431 and
413 in the error envelope), then written upstream on a kept-alive connection: its method, target,
headers in their order and case, and body. Only what belongs to one connection is the proxy's
own: the hop-by-hop headers, the framing of the body, and Host, which names the upstream. The
answer streams back chunk by chunk as it arrives: status and reason, headers, body. A request
the upstream does not answer gets a 502 in the error envelope.

Idle upstream connections are let go after 2 s, before servers that keep one 5 s (uvicorn,
Node) close it, so a request is not written on a connection its server is closing.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import pickle
import signal
import socket
import ssl
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httptools
import orjson

from mockserver.http.protocol import MAX_HEAD_BYTES  # the mock's caps
from mockserver.http.protocol import TOO_LARGE as HEAD_TOO_LARGE
from mockserver.http.wire import DRAIN_BYTES, MAX_BODY_BYTES
from mockserver.http.wire import TOO_LARGE as BODY_TOO_LARGE

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
     b"trailers", b"transfer-encoding", b"upgrade", b"proxy-connection"}
)  # fmt: skip
KEEP_IDLE = 2.0  # seconds an idle upstream connection is kept
IDLE_CONNECTIONS = 64  # upstream connections kept idle at most
CONNECT_TIMEOUT = 10.0
ANSWER_TIMEOUT = 60.0  # for the head of an answer, and for each chunk of its body
BUFFERED = 1024 * 1024  # of an answer's body read ahead of a slow client, at most
NO_BODY_STATUSES = frozenset({204, 304})


@dataclass
class Asked:
    """A request as a client sent it."""

    method: str
    target: str  # path and query, as sent
    headers: list[tuple[bytes, bytes]]  # as sent, in order
    body: bytes
    keep_alive: bool
    started: float
    version: str = "1.1"


@dataclass
class Answered:
    """An answer as the upstream gave it (the body up to what the listener asked to keep), or the
    reason there was none."""

    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    unreachable: str | None = None  # why the upstream gave no answer (then status is 502)
    ended: float = 0.0


class Listener(Protocol):
    def begun(self, asked: Asked) -> object: ...  # a token for the exchange

    def passed(self, token: object, asked: Asked, answered: Answered) -> None: ...

    def abandoned(self, token: object) -> None: ...


OwnPage = Callable[[Asked], Awaitable[tuple[int, bytes]] | None]


def envelope(status: int, message: str) -> bytes:
    return orjson.dumps({"status": "error", "code": status, "message": message})


def plain_answer(status: int, reason: str, body: bytes, *, close: bool = False) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        + ("connection: close\r\n" if close else "")
        + "\r\n"
    )
    return head.encode("latin-1") + body


class Forwarder:
    """The proxy's server: one per listening socket, one upstream."""

    def __init__(
        self,
        upstream: str,
        listener: Listener,
        own: OwnPage,
        keep_body: int,
        room: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream = upstream.rstrip("/")
        self.listener = listener
        self.own = own  # the proxy's own pages: None for what is not one of them
        self.keep_body = keep_body
        self.room = room  # waits while the listener is too far behind
        secure = parts.scheme == "https"
        self.pool = _Pool(
            parts.hostname or "127.0.0.1",
            parts.port or (443 if secure else 80),
            ssl.create_default_context() if secure else None,
        )
        self.host = parts.netloc.encode("latin-1")
        self.server: asyncio.Server | None = None
        self.connections: set[_Client] = set()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; the address it listens on."""
        self.server = await asyncio.get_running_loop().create_server(lambda: _Client(self), host, port)
        address = self.server.sockets[0].getsockname()
        return address[0], address[1]

    async def close(self, grace: float = 10.0) -> None:
        """Stop listening; let the exchanges in flight end (up to `grace` seconds), then close all."""
        if self.server is not None:
            self.server.close()
        deadline = time.monotonic() + grace
        while any(client.busy for client in self.connections) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for client in list(self.connections):
            client.transport.close()
        self.pool.close()

    # -- one exchange ---------------------------------------------------------------------------

    async def exchange(self, asked: Asked, client: _Client) -> bool:
        """Answer one request; whether the client's connection may serve another."""
        own = self.own(asked)
        if own is not None:
            status, body = await own
            await client.write(plain_answer(status, "OK" if status == 200 else "Not Found", body))
            return asked.keep_alive
        if self.room is not None:
            await self.room()
        token = self.listener.begun(asked)
        try:
            return await self._forward(asked, client, token)
        except BaseException:
            self.listener.abandoned(token)  # the client went away mid-answer: nothing to judge
            raise

    async def _forward(self, asked: Asked, client: _Client, token: object) -> bool:
        try:
            upstream = await self._answer_of(asked)
        except (OSError, TimeoutError, _Broken, ssl.SSLError) as error:
            reason = f"{type(error).__name__}: {error}".rstrip(": ")
            message = f"Bad gateway: {self.upstream} did not answer ({reason})"
            content = envelope(502, message)
            await client.write(plain_answer(502, "Bad Gateway", content, close=not asked.keep_alive))
            headers = [(b"content-type", b"application/json")]
            self.listener.passed(
                token, asked, Answered(502, headers, content, unreachable=message, ended=time.time())
            )
            return asked.keep_alive
        status, reason, headers, has_body = upstream.status, upstream.reason, upstream.headers, True
        if asked.method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
            has_body = False
        sized = upstream.length is not None
        # A body of unknown length goes on chunked, or, to an HTTP/1.0 client, until the close.
        chunked = has_body and not sized and asked.version != "1.0"
        keep = asked.keep_alive and (sized or chunked or not has_body)
        lines = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
        lines += [
            b"%s: %s\r\n" % (name, value)
            for name, value in headers
            if name.lower() not in HOP_BY_HOP and (sized or name.lower() != b"content-length")
        ]
        if chunked:
            lines.append(b"transfer-encoding: chunked\r\n")
        if not keep:
            lines.append(b"connection: close\r\n")
        lines.append(b"\r\n")
        kept, size = bytearray(), 0
        out = b"".join(lines)  # the head goes with the first part of the body: one write, not two
        try:
            while has_body:
                chunk = await upstream.next_chunk()
                if chunk is None:
                    break
                size += len(chunk)
                if len(kept) < self.keep_body:
                    kept += chunk[: self.keep_body - len(kept)]
                await client.write(out + (b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk))
                out = b""
            await client.write(out + (b"0\r\n\r\n" if chunked else b""))
        except BaseException:
            upstream.close()
            raise
        self.pool.release(upstream)
        answered = Answered(status, headers, bytes(kept), size > self.keep_body, ended=time.time())
        self.listener.passed(token, asked, answered)
        return keep

    async def _answer_of(self, asked: Asked) -> _Upstream:
        """The upstream's answer to `asked`, its head read; one retry on a kept-alive connection that
        turns out closed before a byte of it came, for methods that may be sent twice."""
        head = [(asked.method.encode("latin-1") + b" " + asked.target.encode("latin-1") + b" HTTP/1.1\r\n")]
        head += [
            b"%s: %s\r\n" % (name, value)
            for name, value in asked.headers
            if name.lower() not in HOP_BY_HOP and name.lower() not in (b"host", b"content-length", b"expect")
        ]
        head.append(b"host: %s\r\n" % self.host)
        if asked.body or asked.method in ("POST", "PUT", "PATCH"):
            head.append(b"content-length: %d\r\n" % len(asked.body))
        message = b"".join(head) + b"\r\n" + asked.body
        for attempt in (1, 2):
            upstream, reused = await self.pool.acquire()
            upstream.send(message, asked.method)
            try:
                await asyncio.wait_for(upstream.head_received(), ANSWER_TIMEOUT)
                return upstream
            except _Broken:
                upstream.close()
                if not (reused and attempt == 1 and upstream.silent and asked.method in IDEMPOTENT):
                    raise
            except BaseException:
                upstream.close()
                raise
        raise AssertionError("unreachable")  # pragma: no cover


IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class _Broken(Exception):
    """The upstream connection ended or sent what is not HTTP before a whole answer."""


class _Client(asyncio.Protocol):
    """One client connection: requests parsed as they come, answered one at a time, in order."""

    def __init__(self, forwarder: Forwarder) -> None:
        self.forwarder = forwarder
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.requests: collections.deque[Asked] = collections.deque()
        self.arrived = asyncio.Event()
        self.writable = asyncio.Event()
        self.writable.set()
        self.closed = False
        self.busy = False
        self._reset()

    def _reset(self) -> None:
        self.in_head, self.head_bytes = True, 0
        self.url, self.headers, self.body = b"", [], bytearray()
        self.too_large, self.dropped = False, 0

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.forwarder.connections.add(self)
        self.worker = asyncio.get_running_loop().create_task(self._serve())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.forwarder.connections.discard(self)
        self.arrived.set()
        self.writable.set()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        if self.in_head:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(501, "Not Implemented", "Upgrades are not forwarded")
        except httptools.HttpParserError:
            self._refuse(400, "Bad Request", "Malformed HTTP request")
        if self.in_head and self.head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse(431, "Request Header Fields Too Large", HEAD_TOO_LARGE)

    # -- httptools callbacks -----------------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.in_head = False
        declared = next((v for n, v in self.headers if n.lower() == b"content-length"), None)
        expects = any(n.lower() == b"expect" and v.lower() == b"100-continue" for n, v in self.headers)
        if declared is not None and declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
            self.too_large = True
            if int(declared) > DRAIN_BYTES or expects:  # not worth waiting for: refuse at once
                self._refuse(413, "Content Too Large", BODY_TOO_LARGE)
                return
        if expects and not self.too_large:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if not self.too_large and len(self.body) + len(body) > MAX_BODY_BYTES:
            self.too_large, self.body = True, bytearray()
        if self.too_large:
            self.dropped += len(body)
            if self.dropped > DRAIN_BYTES:
                self._refuse(413, "Content Too Large", BODY_TOO_LARGE)
        else:
            self.body += body

    def on_message_complete(self) -> None:
        if self.transport.is_closing():
            return
        if self.too_large:
            self._refuse(413, "Content Too Large", BODY_TOO_LARGE)
            return
        self.requests.append(
            Asked(
                self.parser.get_method().decode("latin-1"),
                self.url.decode("latin-1"),
                self.headers,
                bytes(self.body),
                self.parser.should_keep_alive(),
                time.time(),
                self.parser.get_http_version(),
            )
        )
        if len(self.requests) > 1:
            self.transport.pause_reading()  # pipelined: one waits its turn, no more are read
        self.arrived.set()
        self._reset()

    # -- answering ---------------------------------------------------------------------------

    def _refuse(self, status: int, reason: str, message: str) -> None:
        if not self.transport.is_closing():
            self.transport.write(plain_answer(status, reason, envelope(status, message), close=True))
            self.transport.close()

    async def write(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionResetError("the client went away")
        if data:
            self.transport.write(data)
        if not self.writable.is_set():
            await self.writable.wait()

    async def _serve(self) -> None:
        while True:
            while not self.requests:
                if self.closed:
                    return
                self.arrived.clear()
                await self.arrived.wait()
            asked = self.requests.popleft()
            self.transport.resume_reading()
            self.busy = True
            try:
                keep = await self.forwarder.exchange(asked, self)
            except (ConnectionError, TimeoutError, _Broken):
                keep = False
            finally:
                self.busy = False
            if not keep:
                if not self.closed:
                    self.transport.close()
                return


class _Upstream(asyncio.Protocol):
    """One connection to the upstream, carrying one exchange at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.usable = True
        self.last_used = time.monotonic()
        self._begin()

    def _begin(self) -> None:
        loop = asyncio.get_running_loop()
        self.head = loop.create_future()
        self.status, self.reason, self.headers = 0, b"", []
        self.length: int | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.more = asyncio.Event()
        self.complete = False
        self.silent = True  # nothing of the answer came yet
        self.ended: BaseException | None = None
        self.head_only = False

    def send(self, message: bytes, method: str) -> None:
        self._begin()
        self.head_only = method == "HEAD"
        self.transport.write(message)

    async def head_received(self) -> None:
        await self.head

    async def next_chunk(self) -> bytes | None:
        """The next part of the body; None once it is whole."""
        while not self.chunks:
            if self.complete:
                return None
            if self.ended is not None:
                if self.length is None and not self._chunked:  # a body that ends with its connection
                    self.complete = True
                    return None
                raise _Broken(f"the upstream closed the connection mid-answer ({self.ended})")
            self.more.clear()
            await asyncio.wait_for(self.more.wait(), ANSWER_TIMEOUT)
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.buffered < BUFFERED and not self.transport.is_closing():
            self.transport.resume_reading()
        return chunk

    def close(self) -> None:
        self.usable = False
        if self.transport is not None:
            self.transport.close()

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        self.ended = exc or ConnectionResetError("closed by the upstream")
        if not self.head.done():
            self.head.set_exception(_Broken(str(self.ended)))
        self.more.set()

    def data_received(self, data: bytes) -> None:
        self.silent = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self.usable = False
            self.ended = _Broken(f"not an HTTP answer: {error}")
            if not self.head.done():
                self.head.set_exception(self.ended)
            self.more.set()
            self.transport.close()

    # -- httptools callbacks -----------------------------------------------------------------

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # an interim answer: the real one follows
            self.reason, self.headers = b"", []
            return
        self.status = status
        self._chunked = any(
            n.lower() == b"transfer-encoding" and b"chunked" in v.lower() for n, v in self.headers
        )
        declared = next((v for n, v in self.headers if n.lower() == b"content-length"), None)
        if declared is not None and not self._chunked and declared.strip().isdigit():
            self.length = int(declared)
        if not self.parser.should_keep_alive():
            self.usable = False
        if self.head_only:
            self.complete, self.usable = True, False  # the parser would wait for a body HEAD has not
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered >= BUFFERED:
            self.transport.pause_reading()  # the client reads slower than the upstream sends
        self.more.set()

    def on_message_complete(self) -> None:
        if self.status:
            self.complete = True
            self.more.set()

    _chunked = False


class _Pool:
    """Kept-alive connections to the upstream."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext | None) -> None:
        self.host, self.port, self.context = host, port, context
        self.idle: list[_Upstream] = []

    async def acquire(self) -> tuple[_Upstream, bool]:
        """A connection, and whether it was kept from an earlier exchange."""
        now = time.monotonic()
        while self.idle:
            upstream = self.idle.pop()
            if upstream.usable and now - upstream.last_used < KEEP_IDLE:
                return upstream, True
            upstream.close()
        loop = asyncio.get_running_loop()
        server_hostname = self.host if self.context is not None else None
        connecting = loop.create_connection(
            _Upstream, self.host, self.port, ssl=self.context, server_hostname=server_hostname
        )
        _transport, upstream = await asyncio.wait_for(connecting, CONNECT_TIMEOUT)
        return upstream, False

    def release(self, upstream: _Upstream, *, reusable: bool = True) -> None:
        if reusable and upstream.usable and upstream.complete and len(self.idle) < IDLE_CONNECTIONS:
            upstream.last_used = time.monotonic()
            self.idle.append(upstream)
        else:
            upstream.close()

    def close(self) -> None:
        for upstream in self.idle:
            upstream.close()
        self.idle.clear()


# -- a forwarder in a process of its own ---------------------------------------------------------
#
# The judge is Python work on every exchange; forwarding in another process keeps it off the
# traffic's path. The two talk over a pipe, in order, in lists of messages (as many as came while
# the last list was sent). First ("listening", host, port) or ("failed", why); then ("begun",
# index, started), ("passed", index, asked, answered), ("abandoned", index) and ("page", number,
# asked) for each own page, which the other side answers with ("page", number, status, body);
# ("stop",) from the other side ends the serving, and ("stopped",) is the last message.

BACKLOG = 20_000  # messages the judge may be behind by
BACKLOG_BYTES = 64 * 1024 * 1024  # of messages not yet sent, before the forwarder waits for the judge


FRAME = struct.Struct("!Q")  # each list of messages: its length, then its pickle


def frame(messages: list[tuple[Any, ...]]) -> bytes:
    data = pickle.dumps(messages, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(data)) + data


class _Relay(asyncio.Protocol):
    """The child's side of the pipe: a Listener that sends, and own pages asked of the parent. The
    messages of one turn of the event loop go as one frame, written without blocking."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.outgoing: list[tuple[Any, ...]] = []
        self.received = bytearray()
        self.pages: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        self.numbers = itertools.count(1)
        self.stop = asyncio.Event()
        self.gone = asyncio.Event()
        self.writable = asyncio.Event()
        self.writable.set()

    def send(self, message: tuple[Any, ...]) -> None:
        if not self.outgoing:
            asyncio.get_running_loop().call_soon(self._flush)
        self.outgoing.append(message)

    def _flush(self) -> None:
        if self.outgoing and not self.transport.is_closing():
            self.transport.write(frame(self.outgoing))
        self.outgoing = []

    async def room(self) -> None:
        """Wait while the other side is too far behind (the judge never drops an exchange)."""
        await self.writable.wait()

    async def close(self) -> None:
        """Send what is left, then close: the other side reads it all before the end."""
        self._flush()
        self.transport.close()
        await self.gone.wait()

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        # Past this much unsent, the forwarder takes no new request until the judge catches up.
        self.transport.set_write_buffer_limits(high=BACKLOG_BYTES)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop.set()  # the parent is gone, or this side closed
        self.gone.set()
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        self.received += data
        while len(self.received) >= FRAME.size:
            (size,) = FRAME.unpack_from(self.received)
            if len(self.received) < FRAME.size + size:
                return
            messages = pickle.loads(self.received[FRAME.size : FRAME.size + size])
            del self.received[: FRAME.size + size]
            for message in messages:
                if message[0] == "page":
                    future = self.pages.pop(message[1], None)
                    if future is not None and not future.done():
                        future.set_result((message[2], message[3]))
                else:
                    self.stop.set()

    # -- Listener ----------------------------------------------------------------------------

    def begun(self, asked: Asked) -> object:
        index = next(self.numbers)
        self.send(("begun", index, asked.started))
        return index

    def passed(self, token: object, asked: Asked, answered: Answered) -> None:
        self.send(("passed", token, asked, answered))

    def abandoned(self, token: object) -> None:
        self.send(("abandoned", token))

    def own_page(self, own_prefix: str) -> OwnPage:
        def page(asked: Asked) -> Awaitable[tuple[int, bytes]] | None:
            if not asked.target.startswith(own_prefix):
                return None
            number = -next(self.numbers)
            future = self.pages[number] = asyncio.get_running_loop().create_future()
            self.send(("page", number, asked))
            return future

        return page


def forward_in_process(
    pipe: socket.socket, upstream: str, host: str, port: int, keep_body: int, own_prefix: str
) -> None:
    """The child process: forward until the parent says stop (or goes away), then let the exchanges
    in flight end and say so. Signals are the parent's to act on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    async def serve() -> None:
        _transport, relay = await asyncio.get_running_loop().connect_accepted_socket(_Relay, pipe)
        forwarder = Forwarder(upstream, relay, relay.own_page(own_prefix), keep_body, room=relay.room)
        try:
            listening = await forwarder.start(host, port)
        except OSError as error:
            relay.send(("failed", f"{error.strerror or error}"))
        else:
            relay.send(("listening", *listening[:2]))
            await relay.stop.wait()
            await forwarder.close()
        relay.send(("stopped",))
        await relay.close()

    with asyncio.Runner(loop_factory=_fastest_loop()) as runner:
        runner.run(serve())


def _fastest_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (uvicorn[standard] brings it, and the mock runs on
    it): its transports are written in C, and a proxy is little but transports."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - not on every platform
        return None
    return uvloop.new_event_loop
