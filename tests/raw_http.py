"""HTTP/1.1 over a bare socket, for the bytes no client library sends: every wait is bounded.

Used by the hostile-input tests to send invalid UTF-8, lone surrogates, truncated bodies, lying
Content-Length headers and endless chunked bodies to a mock served by uvicorn.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 5.0  # seconds any read may wait: a hang fails the test instead of stalling it


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(base_url: str) -> socket.socket:
    address = urlsplit(base_url)
    return socket.create_connection((address.hostname, address.port), timeout=TIMEOUT)


def request_bytes(
    method: str, target: bytes, headers: dict[str, bytes | str], body: bytes | None = None
) -> bytes:
    """A request as it goes on the wire; Content-Length is added for a body unless given."""
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: mock"]
    if body is not None and not any(name.lower() == "content-length" for name in headers):
        headers = {**headers, "Content-Length": str(len(body))}
    for name, value in headers.items():
        lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else value.encode("latin-1")))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def read_answer(sock: socket.socket) -> Answer | None:
    """The response on `sock`, or None if the server closed the connection without one."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            return None if not received else _parse(received)
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = _content_length(head)
    while length is None or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return _parse(head + b"\r\n\r\n" + body)


def exchange(base_url: str, raw: bytes, *, half_close: bool = False) -> Answer | None:
    """Send `raw`, optionally end the sending side, and read the answer (bounded by TIMEOUT)."""
    with connect(base_url) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_answer(sock)


def send_and_leave(base_url: str, raw: bytes) -> None:
    """Send `raw` and close the connection at once, whatever the request promised."""
    with connect(base_url) as sock:
        sock.sendall(raw)


def chunked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """A body in HTTP/1.1 chunked transfer coding."""
    for piece in pieces:
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def _parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split(" ")[1]), headers, body)
