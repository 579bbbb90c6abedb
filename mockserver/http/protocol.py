"""uvicorn's HTTP protocol with a cap on the request head, so a huge header costs the mock nothing.

httptools, which uvicorn uses, keeps a header however long it is: a 64 MiB header was taken
and answered. Here the head of a request (its request line and headers) may be at most
MAX_HEAD_BYTES; past that the answer is 431 in the error envelope, and the connection closes.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024
TOO_LARGE = "Request header fields too large (the request line and headers may be 65536 bytes at most)"
_BODY = orjson.dumps({"status": "error", "code": 431, "message": TOO_LARGE})
_ANSWER = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_BODY), _BODY)
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Counts the bytes of each request's head as they come; refuses the request past the cap."""

    _head_bytes = 0
    _in_head = True  # until a request's headers are complete, and again after its message ends

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            # The chunk that went past the cap held no end of the head: refuse before holding more.
            self.transport.write(_ANSWER)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0
