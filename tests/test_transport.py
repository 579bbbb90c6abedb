"""The transport's caps, over real HTTP: a request head of at most 64 KiB (431 past it), and a
body past 1 MiB refused with a 413 its sender can read, even while it is still sending.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mock_process import mock_process
from raw_http import connect, read_answer, request_bytes

from mockserver.http.protocol import MAX_HEAD_BYTES

ACME_TEST = "sk_test_acme_mock_secret"
GENERATE = "/v1/campaigns/codes/generate"
UPLOADS = 30
TWO_MB = b'{"slug": "' + b"x" * 2_000_000 + b'"}'


def header_of(size: int) -> bytes:
    return request_bytes("GET", b"/__mock/health", {"X-Padding": "p" * size})


def test_a_1_mib_header_gets_a_431_envelope_and_a_closed_connection(live_server: str) -> None:
    with connect(live_server) as sock:
        # Answered and closed before the whole head was sent: the send may fail, the answer is there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(header_of(1024 * 1024))
        answer = read_answer(sock)
        assert answer is not None, "closed without an answer"
        assert answer.status == 431 and answer.headers["connection"] == "close"
        assert answer.json() == {
            "status": "error",
            "code": 431,
            "message": "Request header fields too large "
            "(the request line and headers may be 65536 bytes at most)",
        }
        sock.settimeout(5)
        # Closed with the rest of the head unread, the connection may end in a reset: closed too.
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(1) == b"", "the connection stayed open"


def test_a_head_just_under_the_cap_is_served(live_server: str) -> None:
    with connect(live_server) as sock:
        sock.sendall(header_of(MAX_HEAD_BYTES - 200))
        answer = read_answer(sock)
    assert answer is not None and answer.status == 200


def test_huge_headers_cost_the_mock_no_memory(tmp_path: Path) -> None:
    with mock_process("--no-access-log", output=tmp_path / "mock.log") as (process, base_url):
        before = resident_kib(process.pid)
        for _ in range(16):
            with connect(base_url) as sock:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    sock.sendall(header_of(4 * 1024 * 1024))
                answer = read_answer(sock)
                assert answer is None or answer.status == 431
        time.sleep(0.2)
        grown = resident_kib(process.pid) - before
    # 64 MiB of headers went by; the mock never held more than one 64 KiB head of them.
    assert grown < 8 * 1024, f"the mock grew by {grown} KiB"


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        (
            {"X-API-Secret": ACME_TEST, "Content-Type": "application/json"},
            413,
            "Request body is larger than 1048576 bytes",
        ),
        ({"Content-Type": "application/json"}, 401, "Missing X-API-Secret header"),
        (
            {"X-API-Secret": ACME_TEST, "Content-Type": "text/plain"},
            415,
            "Content-Type must be application/json",
        ),
    ],
    ids=["too-large", "no-secret", "not-json"],
)
def test_a_2_mb_upload_sent_with_connection_close_reads_its_answer_every_time(
    live_server: str, headers: dict[str, str], status: int, message: str
) -> None:
    outcomes = []
    for _ in range(UPLOADS):
        request = urllib.request.Request(
            f"{live_server}{GENERATE}", data=TWO_MB, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(
                request, timeout=10
            ) as response:  # Python's urllib sends Connection: close
                outcomes.append(f"{response.status}")
        except urllib.error.HTTPError as error:
            body = json.loads(error.read())
            outcomes.append(
                "envelope" if body == {"status": "error", "code": status, "message": message} else str(body)
            )
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            outcomes.append(type(getattr(error, "reason", error)).__name__)
    assert outcomes == ["envelope"] * UPLOADS
