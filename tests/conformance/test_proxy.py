"""`gamifyhost-conformance --proxy HOST:PORT --base-url UPSTREAM`: live traffic, forwarded unchanged and
judged as it passes, with real sockets on loopback everywhere."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import broken_servers as broken
import httpx
import pytest
from har_kit import DECLARED, proxy_in_front
from test_readme_curl import MOCK, RECORDER, examples

import mockserver
from conformance import evaluate
from mockserver.kit.serving import free_port, serve_in_thread

ACME = "sk_test_acme_mock_secret"
GENERATE, VERIFY, STATS = (
    "/v1/campaigns/codes/generate",
    "/v1/campaigns/codes/verify",
    "/v1/campaigns/codes/stats",
)


class Echo:
    """An upstream that answers what it was asked (and, for /stream, three chunks it is let to send)."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.release = threading.Event()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
        self.seen.append(
            {
                "method": scope["method"],
                "path": scope["path"],
                "query": scope["query_string"].decode(),
                "headers": headers,
                "body": body,
                "client": scope["client"],
            }
        )
        if scope["path"] == "/stream":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
            )
            await send({"type": "http.response.body", "body": b"first ", "more_body": True})
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            await send({"type": "http.response.body", "body": b"second ", "more_body": True})
            await send({"type": "http.response.body", "body": b"third"})
            return
        answer = json.dumps({"echo": self.seen[-1]["path"]}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 418,
                "headers": [
                    (b"content-type", b"application/teapot+json"),
                    (b"x-upstream", b"echo"),
                    (b"set-cookie", b"a=1"),
                    (b"set-cookie", b"b=2"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})


def test_requests_and_answers_pass_unchanged() -> None:
    echo = Echo()
    with (
        serve_in_thread(echo) as upstream,
        proxy_in_front(upstream) as (proxy_url, _proxy, _session),
        httpx.Client() as http,
    ):
        answer = http.post(
            f"{proxy_url}/any/path?b=2&a=1&a=3",
            content=b"\x00binary body\xff",
            headers={
                "X-Custom": "kept",
                "X-API-Secret": ACME,
                "Content-Type": "application/octet-stream",
            },
        )
    [seen] = echo.seen
    assert (seen["method"], seen["path"], seen["query"], seen["body"]) == (
        "POST",
        "/any/path",
        "b=2&a=1&a=3",
        b"\x00binary body\xff",
    )
    sent = dict(seen["headers"])
    assert sent["x-custom"] == "kept" and sent["x-api-secret"] == ACME
    assert sent["content-type"] == "application/octet-stream" and sent["host"] == upstream.removeprefix(
        "http://"
    )
    assert answer.status_code == 418 and answer.json() == {"echo": "/any/path"}
    assert (
        answer.headers["x-upstream"] == "echo" and answer.headers["content-type"] == "application/teapot+json"
    )
    assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_answers_stream_and_connections_are_kept_alive() -> None:
    echo = Echo()
    with (
        serve_in_thread(echo) as upstream,
        proxy_in_front(upstream) as (proxy_url, _proxy, _session),
        httpx.Client() as http,
    ):
        with http.stream("GET", f"{proxy_url}/stream") as streamed:
            chunks = streamed.iter_raw()
            assert next(chunks) == b"first "  # while the upstream has not sent the rest
            echo.release.set()
            assert b"".join(chunks) == b"second third"
        for _ in range(3):
            http.get(f"{proxy_url}/again")
    clients = {seen["client"] for seen in echo.seen}
    assert len(echo.seen) == 4 and len(clients) == 1  # one upstream connection, kept alive


def exchange_raw(proxy_url: str, data: bytes, *, until: bytes = b"", wait: float = 5.0) -> bytes:
    """Bytes sent as they are on one connection; what comes back until `until` is in it, or the
    connection ends."""
    host, port = proxy_url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=wait) as raw:
        raw.sendall(data)
        while not (until and until in received):
            chunk = raw.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def test_pipelined_requests_are_answered_in_order_on_one_connection() -> None:
    echo = Echo()
    with serve_in_thread(echo) as upstream, proxy_in_front(upstream) as (proxy_url, _proxy, _session):
        asked = b"".join(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % n for n in (1, 2, 3))
        answers = exchange_raw(proxy_url, asked, until=b'{"echo": "/3"}')
    assert [answer.split(b"\r\n", 1)[0] for answer in answers.split(b"HTTP/1.1 ")[1:]] == [
        b"418 I'm a Teapot"
    ] * 3
    assert answers.index(b'"/1"') < answers.index(b'"/2"') < answers.index(b'"/3"')
    assert [seen["path"] for seen in echo.seen] == ["/1", "/2", "/3"]


def test_head_http_1_0_and_expect_100_continue() -> None:
    echo = Echo()
    with serve_in_thread(echo) as upstream, proxy_in_front(upstream) as (proxy_url, _proxy, _session):
        head = httpx.head(f"{proxy_url}/any")
        echo.release.set()  # /stream sends all of it at once
        old = exchange_raw(proxy_url, b"GET /stream HTTP/1.0\r\n\r\n")
        body = b'{"code": "SUMM-AX7K9M2P"}'
        expect = exchange_raw(
            proxy_url,
            b"POST /verify HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
            until=b'{"echo": "/verify"}',
        )
    assert head.status_code == 418 and head.content == b""
    # HTTP/1.0 has no chunks: a streamed answer goes on until the connection closes.
    assert old.startswith(b"HTTP/1.1 200") and b"transfer-encoding" not in old.lower()
    assert old.endswith(b"\r\n\r\nfirst second third")
    assert expect.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 418")
    assert echo.seen[-1]["body"] == body and "expect" not in dict(echo.seen[-1]["headers"])


def test_an_upstream_that_hangs_up_mid_answer_ends_the_clients_connection_and_no_verdict() -> None:
    """An answer cut short reaches the client cut short (never completed by the proxy), and the judge
    holds nothing of it against the target."""

    async def cut(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"status":', "more_body": True})
            raise RuntimeError("gone")  # uvicorn closes the connection

    with (
        serve_in_thread(cut) as upstream,
        proxy_in_front(upstream, "--api-secret", ACME) as (proxy_url, _proxy, session),
        pytest.raises(httpx.RemoteProtocolError),
    ):
        httpx.get(f"{proxy_url}{STATS}", params={"slug": "summer-promo"}, headers={"X-API-Secret": ACME})
    assert session.judge.books.judged == 0 and session.judge.books.findings == []


def test_what_the_proxy_records_is_judged_again_to_the_same_verdict(tmp_path: Path) -> None:
    har = tmp_path / "session.har"
    with (
        serve_in_thread(broken.verify_wrong_points()) as upstream,
        proxy_in_front(upstream, "--api-secret", ACME, record=har) as (proxy_url, _proxy, session),
        httpx.Client(base_url=proxy_url, headers={"X-API-Secret": ACME}) as client,
    ):
        asked = {"slug": "summer-promo", "batchSize": 2, "pointsValue": 5}
        code = client.post(GENERATE, json=asked).json()["data"]["codes"][0]
        client.post(VERIFY, json={"code": code})
        client.get(STATS, params={"slug": "summer-promo"})
    again = evaluate(["--har", str(har), "--api-secret", ACME], environ={})
    live = sorted(finding.key for finding in session.judge.books.violations)
    assert live == ["verify.verify_matches_generated_batch"]
    assert sorted(finding.key for finding in again.judge.books.violations) == live
    assert again.judge.books.judged == session.judge.books.judged == 3


def test_the_mocks_caps_apply_and_nothing_past_them_goes_upstream() -> None:
    echo = Echo()
    with serve_in_thread(echo) as upstream, proxy_in_front(upstream) as (proxy_url, _proxy, _session):
        too_long = httpx.post(f"{proxy_url}{GENERATE}", content=b"x" * (1024 * 1024 + 1))
        host, port = proxy_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"GET /x HTTP/1.1\r\nHost: h\r\nX-Long: " + b"a" * 300_000 + b"\r\n\r\n")
            head = raw.recv(4096)
    assert too_long.status_code == 413 and too_long.json()["code"] == 413
    assert head.startswith(b"HTTP/1.1 431") and b'"code":431' in head
    assert echo.seen == []


def test_an_unreachable_upstream_is_a_502_and_no_violation(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with proxy_in_front(nowhere, "--api-secret", ACME) as (proxy_url, _proxy, session):
        answer = httpx.post(
            f"{proxy_url}{VERIFY}", json={"code": "SUMM-AX7K9M2P"}, headers={"X-API-Secret": ACME}
        )
    assert answer.status_code == 502
    assert answer.json()["status"] == "error" and nowhere in answer.json()["message"]
    assert session.judge.books.unreachable == 1 and session.judge.books.judged == 0
    assert session.exit_code == 0 and session.judge.books.findings == []


def test_its_own_report_is_never_forwarded() -> None:
    echo = Echo()
    with serve_in_thread(echo) as upstream, proxy_in_front(upstream) as (proxy_url, _proxy, _session):
        httpx.get(f"{proxy_url}/v1/campaigns/codes/stats?slug=x")
        time.sleep(0.2)  # the judge works beside the traffic
        report = httpx.get(f"{proxy_url}/__conformance/report").json()
        other = httpx.get(f"{proxy_url}/__conformance/anything")
    assert report["mode"] == "proxy" and report["exchanges"]["judged"] == 1
    assert other.status_code == 404 and [seen["path"] for seen in echo.seen] == ["/v1/campaigns/codes/stats"]


def test_the_readmes_curl_session_through_the_proxy_conforms(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "count").write_text("0")
    with (
        mockserver.running() as mock,
        proxy_in_front(mock.base_url, *DECLARED) as (proxy_url, _proxy, session),
    ):
        for example in examples():
            # Only the API goes through the proxy; the admin API stays the mock's own.
            script = RECORDER + example.block.replace(f"{MOCK}/v1/", f"{proxy_url}/v1/").replace(
                MOCK, mock.base_url
            )
            run = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", script],
                capture_output=True,
                text=True,
                env={"RECORDS": str(records), "PATH": "/usr/local/bin:/usr/bin:/bin"},
                timeout=60,
            )
            assert run.returncode == 0, run.stderr
    books = session.judge.books
    assert books.judged >= 10 and books.findings == [], [f.message for f in books.findings]
    assert session.exit_code == 0


def test_traffic_beside_the_proxy_raises_no_false_alarm() -> None:
    """Partial sight: some of the traffic goes straight to the mock; what the proxy sees stays consistent."""
    with (
        mockserver.running() as mock,
        proxy_in_front(mock.base_url, "--api-secret", ACME, sole_client=False) as (
            proxy_url,
            _proxy,
            session,
        ),
    ):
        through, beside = httpx.Client(base_url=proxy_url), httpx.Client(base_url=mock.base_url)
        headers = {"X-API-Secret": ACME}
        for http in (through, beside, through):
            http.get(STATS, params={"slug": "summer-promo"}, headers=headers)
            batch = http.post(
                GENERATE, json={"slug": "summer-promo", "batchSize": 3, "pointsValue": 9}, headers=headers
            )
            code = batch.json()["data"]["codes"][0]
            other = through if http is beside else beside
            other.post(
                "/v1/campaigns/summer-promo/redeem", json={"code": code, "userId": "u"}, headers=headers
            )
            http.post(VERIFY, json={"code": code}, headers=headers)
            http.get(
                "/v1/campaigns/codes/batches", params={"slug": "summer-promo", "limit": 100}, headers=headers
            )
        through.post(VERIFY, json={"code": code}, headers=headers)  # redeemed beside it
        through.get(STATS, params={"slug": "summer-promo"}, headers=headers)  # grew by what it did not see
    books = session.judge.books
    assert books.judged == 11 and books.findings == [], [f.message for f in books.findings]


def test_the_command_line_proxy_says_each_violation_at_once_and_the_summary_at_the_end(
    tmp_path: Path,
) -> None:
    port, out = free_port(), tmp_path / "proxy.json"
    with serve_in_thread(broken.verify_wrong_points()) as upstream:
        command = [
            sys.executable,
            "-m",
            "conformance",
            "--proxy",
            f"127.0.0.1:{port}",
            "--base-url",
            upstream,
            "--api-secret",
            ACME,
            "--json",
            str(out),
        ]
        proxy = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert "a proxy on http://127.0.0.1" in proxy.stdout.readline()
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    asked = {"slug": "summer-promo", "batchSize": 1, "pointsValue": 5}
                    made = httpx.post(f"{url}{GENERATE}", json=asked, headers={"X-API-Secret": ACME})
                    break
                except httpx.ConnectError:
                    time.sleep(0.05)
            httpx.post(
                f"{url}{VERIFY}",
                json={"code": made.json()["data"]["codes"][0]},
                headers={"X-API-Secret": ACME},
            )
            said = proxy.stdout.readline()  # printed the moment the judge saw it
            assert said.startswith(
                "VIOLATION [codes.points] verify.verify_matches_generated_batch on exchange 2"
            )
            curl = proxy.stdout.readline()
            assert curl.strip().startswith("$ curl") and "$GAMIFYHOST_API_SECRET" in curl and ACME not in curl
            proxy.send_signal(signal.SIGTERM)
            rest, errors = proxy.communicate(timeout=30)
        finally:
            if proxy.poll() is None:
                proxy.kill()
    assert proxy.returncode == 1, rest + errors
    assert "Verdict: NOT CONFORMANT" in rest and "Exchanges judged: 2" in rest
    report = json.loads(out.read_text())
    assert report["verdict"] == "not conformant" and report["violations"][0]["exchanges"] == [1, 2]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_quiet_proxy_session_ends_conformant_on_either_signal(stop: int) -> None:
    port = free_port()
    with mockserver.running() as mock:
        proxy = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conformance",
                "--proxy",
                f"127.0.0.1:{port}",
                "--base-url",
                mock.base_url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            proxy.stdout.readline()
            for _ in range(100):
                try:
                    httpx.get(
                        f"http://127.0.0.1:{port}{STATS}",
                        params={"slug": "summer-promo"},
                        headers={"X-API-Secret": ACME},
                    )
                    break
                except httpx.ConnectError:
                    time.sleep(0.05)
            proxy.send_signal(stop)
            rest, errors = proxy.communicate(timeout=30)
        finally:
            if proxy.poll() is None:
                proxy.kill()
    assert proxy.returncode == 0, rest + errors
    assert rest.rstrip().endswith("Verdict: CONFORMANT") and "Exchanges judged: 1;" in rest
