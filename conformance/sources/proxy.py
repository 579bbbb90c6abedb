"""The checking proxy: a reverse proxy in front of any implementation that hands each exchange to the
judge as it passes.

Forwarding is forwarding.py's, in a process of its own: requests go upstream as they came, answers
come back as they were given, streamed, with keep-alive on both sides and the mock's caps on what
a client may send. Paths under /__conformance/ are the proxy's own and never forwarded:
GET /__conformance/report answers the report of everything that passed before it was asked. A
request the upstream does not answer gets a 502 in the error envelope and counts as
unreachable, not as a violation.

The judge works in this process, in the order the forwarder tells (each request as it goes
upstream, each answer as it ends), so it holds no count to have seen everything while a request
that may change it is still out. A client never waits for it: under a load it cannot follow it
falls behind, up to a bound, and catches up when the traffic lets it; it drops nothing.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import pickle
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from ..judge import Exchange, Judge, headers_of
from .encoding import decompressed
from .forwarding import BACKLOG, FRAME, Answered, Asked, envelope, forward_in_process, frame
from .har import HarWriter

OWN_PREFIX = "/__conformance/"
JUDGED_BODY = 32 * 1024 * 1024  # the most of an answer the judge reads; the client gets all of it
START_TIMEOUT = 30.0
# The traffic first: the judge works in the time the forwarder, and the upstream beside it, leave.
JUDGE_NICENESS = 19


class CheckingProxy:
    """The proxy of one session: the forwarding process, and the thread that judges (and records) what
    passed. `report()` gives the bytes of GET /__conformance/report."""

    def __init__(
        self, upstream: str, judge: Judge, report: Callable[[], bytes], recorder: HarWriter | None = None
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.judge = judge
        self.report = report
        self.recorder = recorder

    # -- serving ------------------------------------------------------------------------------

    def run(self, host: str, port: int, started: Callable[[], None] = lambda: None) -> bool:
        """Serve until SIGINT or SIGTERM, then let the exchanges in flight end and judge them all;
        False if it could not listen. `started` is called once it listens."""
        stop = threading.Event()
        previous = {
            each: signal.signal(each, lambda _signal, _frame: stop.set())
            for each in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            with self._forwarding(host, port) as session:
                if session.listening is None:
                    return False
                started()
                while not stop.wait(0.2) and session.alive():
                    pass
            return True
        finally:
            for each, handler in previous.items():
                signal.signal(each, handler)

    @contextlib.contextmanager
    def serving(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve until the block ends; yields the proxy's base URL. Every exchange that passed is
        judged once the block has ended."""
        with self._forwarding(host, port) as session:
            if session.listening is None:
                raise OSError(f"the proxy could not listen on {host}:{port}: {session.failure}")
            yield f"http://{session.listening[0]}:{session.listening[1]}"

    @contextlib.contextmanager
    def _forwarding(self, host: str, port: int) -> Iterator[_Session]:
        context = multiprocessing.get_context("spawn")  # nothing of this process's threads
        ours, theirs = socket.socketpair()
        child = context.Process(
            target=forward_in_process,
            args=(theirs, self.upstream, host, port, JUDGED_BODY, OWN_PREFIX),
            name="gamifyhost-conformance-forwarder",
            daemon=True,
        )
        child.start()
        theirs.close()
        session = _Session(self, ours, child)
        try:
            session.wait_listening()
            yield session
        finally:
            session.stop()

    # -- what the forwarder tells, in its order -------------------------------------------------

    def _exchange(self, index: int, asked: Asked, answered: Answered) -> Exchange:
        request_headers = headers_of((n.decode("latin-1"), v.decode("latin-1")) for n, v in asked.headers)
        response_headers = headers_of((n.decode("latin-1"), v.decode("latin-1")) for n, v in answered.headers)
        body = decompressed(answered.body, response_headers.get("content-encoding", ""))
        notes = {"truncated": True} if answered.truncated else {}
        return Exchange(
            asked.method, f"{self.upstream}{asked.target}", request_headers, asked.body or None,
            answered.status, response_headers, body, asked.started, answered.ended, index, notes,
        )  # fmt: skip

    def _page(self, asked: Asked) -> tuple[int, bytes]:
        path = urlsplit(asked.target).path
        if path == f"{OWN_PREFIX}report" and asked.method in ("GET", "HEAD"):
            return 200, self.report()
        return 404, envelope(404, f"Not found: {OWN_PREFIX}report is the proxy's own page")

    def handle(self, message: tuple[Any, ...], send: Callable[[tuple[Any, ...]], None]) -> None:
        """One message of the forwarder's, in the judge's thread."""
        kind = message[0]
        if kind == "begun":
            self.judge.begun(message[1], message[2])
        elif kind == "abandoned":
            self.judge.abandoned(message[1])
        elif kind == "passed":
            _, index, asked, answered = message
            exchange = self._exchange(index, asked, answered)
            if answered.unreachable is not None:
                self.judge.unreachable(exchange)
            else:
                self.judge.judge(exchange)
            if self.recorder is not None:
                self.recorder.add(exchange, answered=answered.unreachable is None)
        elif kind == "page":
            _, number, asked = message
            send(("page", number, *self._page(asked)))


class _Session:
    """One forwarding process and this side of its pipe: a thread that receives its messages, and one
    that judges them, in order."""

    def __init__(self, proxy: CheckingProxy, pipe: socket.socket, child: Any) -> None:
        self.proxy, self.pipe, self.child = proxy, pipe, child
        self.listening: tuple[str, int] | None = None
        self.failure = ""
        self.ready = threading.Event()
        self.sending = threading.Lock()
        self.messages: collections.deque[tuple[Any, ...] | None] = collections.deque()
        self.arrived = threading.Condition()
        self.receiver = threading.Thread(target=self._receive, name="proxy-receive", daemon=True)
        self.judging = threading.Thread(target=self._judge_in_turn, name="proxy-judge", daemon=True)
        self.receiver.start()
        self.judging.start()

    def wait_listening(self) -> None:
        if not self.ready.wait(START_TIMEOUT):
            self.failure = f"the forwarder did not start within {START_TIMEOUT:.0f} s"

    def alive(self) -> bool:
        return self.receiver.is_alive()

    def stop(self) -> None:
        """Tell the forwarder to stop, and wait until what it passed was all judged."""
        self.send(("stop",))
        self.receiver.join()
        self.judging.join()
        self.child.join(10)
        if self.child.is_alive():
            self.child.kill()
        self.pipe.close()
        if self.proxy.recorder is not None:
            self.proxy.recorder.close()

    def send(self, message: tuple[Any, ...]) -> None:
        with self.sending, contextlib.suppress(OSError):
            self.pipe.sendall(frame([message]))

    def _read(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.pipe.recv(min(size - len(data), 1 << 20))
            if not chunk:
                raise EOFError
            data += chunk
        return bytes(data)

    def _receive(self) -> None:
        while True:
            try:
                (size,) = FRAME.unpack(self._read(FRAME.size))
                batch = pickle.loads(self._read(size))
            except (EOFError, OSError):
                batch = [("stopped",)]  # the forwarder is gone
            kept = []
            for message in batch:
                kind = message[0]
                if kind == "listening":
                    self.listening = (message[1], message[2])
                    self.ready.set()
                elif kind in ("failed", "stopped"):
                    self.failure = self.failure or (message[1] if kind == "failed" else "it stopped")
                    self.ready.set()
                    self._put([*kept, None])
                    return
                else:
                    kept.append(message)
            self._put(kept)

    def _put(self, messages: list[tuple[Any, ...] | None]) -> None:
        with self.arrived:
            # The judge far behind: stop reading, and the forwarder soon takes no new request.
            while len(self.messages) > BACKLOG and messages[-1:] != [None]:
                self.arrived.wait(0.05)
            self.messages.extend(messages)
            self.arrived.notify_all()

    def _judge_in_turn(self) -> None:
        if hasattr(os, "setpriority"):  # Linux: a thread's niceness is its own
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), JUDGE_NICENESS)
        while True:
            with self.arrived:
                while not self.messages:
                    self.arrived.wait()
                message = self.messages.popleft()
                self.arrived.notify_all()
            if message is None:
                return
            self.proxy.handle(message, self.send)
