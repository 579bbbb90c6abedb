"""Benchmark the mock on each store against a bare Starlette app on the same uvicorn settings,
in one run; time the conformance suite against the mock, at once and 100 ms away; and measure
the suite's judge of other traffic: its proxy against the mock direct, and a HAR of 100,000
exchanges.

    python bench/run.py [--seconds 3] [--rounds 3] [--stall-seconds 60]
                        [--only server|conformance|traffic] [--har-exchanges 100000]

Needs `wrk` on the PATH (Debian/Ubuntu: `apt-get install wrk`). The PostgreSQL figures need a
server: GAMIFYHOST_BENCH_POSTGRESQL (or GAMIFYHOST_TEST_POSTGRESQL) names it, and the bench
works in a schema of its own that it drops at the end. Everything runs on 127.0.0.1.
Prints one table of figures and their targets; exits non-zero only when it could not measure.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sk_test_bench_mock_secret"
LIST_PATH = "/v1/campaigns/codes/batches?slug=bench-small"
GENERATE_PATH = "/v1/campaigns/codes/generate"
VERIFY_PATH = "/v1/campaigns/codes/verify"


class CouldNotMeasure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_fixtures(directory: Path) -> Path:
    """A partner with a 10-batch campaign and two empty ones."""
    lines = [
        "partners:",
        "  - name: Bench",
        "    applications:",
        "      - name: Bench",
        f"        keys: [{{secret: {SECRET}}}]",
        "    campaigns:",
    ]
    for slug, count in (("bench-small", 10), ("bench-big", 0), ("bench-gen", 0)):
        campaign = f"slug: {slug}, name: {slug}, environment: TEST, status: active"
        lines += ["      - {" + campaign + ", batches: ["]
        lines += [
            f'          {{batchSize: 1, pointsValue: 1, createdAt: "2025-01-01T00:00:{i % 60:02d}Z"}},'
            for i in range(count)
        ]
        lines += ["        ]}"]
    path = directory / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def server(command: list[str], port: int) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Start a server process; yields it and the seconds it took to answer its first request."""
    # Output goes to a file: a pipe nobody reads would fill up and stall a chatty server.
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise CouldNotMeasure(f"{command} exited: {log.read().decode()[-2000:]}")
                if time.perf_counter() - started > 120:
                    raise CouldNotMeasure(f"{command} did not answer within 120 s")
                try:
                    request(port, "GET", LIST_PATH)  # any answer: the default fixtures say 401
                    break
                except OSError:
                    time.sleep(0.005)
            yield process, time.perf_counter() - started
        finally:
            stale = _connections.pop(port, None)
            if stale is not None:
                stale.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def mock_command(port: int, fixtures: Path | None, store: str = "memory") -> list[str]:
    command = [sys.executable, "-m", "mockserver", "--port", str(port), "--no-access-log", "--store", store]
    return command + (["--fixtures", str(fixtures)] if fixtures else [])


def prism_rows(seconds: int, mock_generate_rps: float) -> list[tuple[str, str, str]]:
    """Stoplight Prism mocking the same spec, when it is installed (npm i -g @stoplight/prism-cli)."""
    if shutil.which("prism") is None:
        return [("generate(100) vs Prism", "not measured: prism is not installed", ">= 3x")]
    port = free_port()
    command = ["prism", "mock", "--port", str(port), "--host", "127.0.0.1", str(ROOT / "openapi.yaml")]
    with server(command, port):
        prism = wrk(port, GENERATE_PATH, seconds, {"slug": "bench-gen", "batchSize": 100, "pointsValue": 5})
    return [
        ("generate(100) on Prism, requests/s", f"{prism:,.0f}", ""),
        ("  ratio mock/Prism", f"{mock_generate_rps / prism:.2f}x", ">= 3x"),
    ]


def baseline_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(port), "--no-access-log"]


_connections: dict[int, http.client.HTTPConnection] = {}


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    """One request on a kept-alive connection, opened again if the server closed it."""
    headers = {"X-API-Secret": SECRET, "Content-Type": "application/json"}
    for attempt in (1, 2):
        connection = _connections.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=60))
        try:
            connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            _connections.pop(port).close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def fill_campaign(port: int, slug: str, batches: int, connections: int = 4, depth: int = 64) -> None:
    """Create `batches` one-code batches fast: pipelined requests on a few connections."""
    body = json.dumps({"slug": slug, "batchSize": 1, "pointsValue": 5}).encode()
    head = (
        f"POST {GENERATE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Secret: {SECRET}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    one = head.encode() + body

    async def send(count: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while count:
            burst = min(depth, count)
            writer.write(one * burst)
            await writer.drain()
            for _ in range(burst):
                status = await reader.readline()
                if b" 200 " not in status:
                    raise CouldNotMeasure(f"filling {slug}: {status!r}")
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
            count -= burst
        writer.close()

    async def everyone() -> None:
        shares = [batches // connections + (i < batches % connections) for i in range(connections)]
        await asyncio.gather(*(send(share) for share in shares))

    asyncio.run(everyone())


def wrk(port: int, path: str, seconds: int, body: dict | None = None, connections: int = 16) -> float:
    """Requests per second from wrk: one thread, 16 connections (or `connections`), keep-alive."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["X-API-Secret"] = "{SECRET}"\n')
        if body is not None:
            script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
            script.write(f"wrk.body = '{json.dumps(body)}'\n")
    try:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name]
        command.append(f"http://127.0.0.1:{port}{path}")
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in output or "Socket errors" in output:
        raise CouldNotMeasure(f"wrk saw errors against {path}:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not found:
        raise CouldNotMeasure(f"no figure in wrk's output:\n{output}")
    return float(found.group(1))


def median_latency_ms(port: int, method: str, path: str, count: int, body: dict | None = None) -> float:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = request(port, method, path, body)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise CouldNotMeasure(f"{method} {path} answered {status}")
    return statistics.median(timings)


def rss_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


# What each store must reach: list and generate(100) throughput against the baseline, and the
# median latency of a 10,000-code generate.
STORE_TARGETS = {
    "memory": (">= 0.8x", ">= 0.45x", "<= 30 ms"),
    "sqlite": (">= 0.7x", ">= 0.3x", "<= 30 ms"),
    "postgresql": (">= 0.25x", ">= 0.15x", "<= 60 ms"),
}
POSTGRESQL_URL = ("GAMIFYHOST_BENCH_POSTGRESQL", "GAMIFYHOST_TEST_POSTGRESQL")


@contextmanager
def store_url(kind: str, work: Path) -> Iterator[str | None]:
    """A new, empty store of `kind`: a SQLite file in `work`, a PostgreSQL schema of its own
    (dropped afterwards) on the server the environment names; None without one."""
    if kind == "memory":
        yield "memory"
        return
    if kind == "sqlite":
        path = work / f"bench-{time.monotonic_ns()}.db"
        yield f"sqlite:///{path.absolute()}"
        return
    server_url = next((os.environ[name] for name in POSTGRESQL_URL if os.environ.get(name)), None)
    if server_url is None:
        yield None
        return
    import psycopg

    schema = f"bench_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        separator = "&" if "?" in server_url else "?"
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def measure(
    seconds: int, rounds: int, stall_seconds: int, stores: list[str], work: Path
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    fixtures = write_fixtures(work)
    generate_body = {"slug": "bench-gen", "batchSize": 100, "pointsValue": 5}
    base_port = free_port()
    rates: dict[str, float] = {}
    # The baseline answers what the mock answers: the same payloads on the wire.
    port = free_port()
    with server(mock_command(port, fixtures, "memory"), port):
        for name, (method, path, body) in {
            "BENCH_LIST_BODY": ("GET", LIST_PATH, None),
            "BENCH_GENERATE_BODY": ("POST", GENERATE_PATH, generate_body),
        }.items():
            status, payload = request(port, method, path, body)
            if status != 200:
                raise CouldNotMeasure(f"{method} {path} answered {status}: {payload[:200]!r}")
            (work / name).write_bytes(payload)
            os.environ[name] = str(work / name)
    with server(baseline_command(base_port), base_port):
        for kind in stores:
            list_target, generate_target, latency_target = STORE_TARGETS[kind]
            with store_url(kind, work) as url:
                if url is None:
                    missing = f"not measured: set {POSTGRESQL_URL[0]}"
                    rows.append((f"{kind}: list batches", missing, list_target))
                    continue
                figures = store_throughput(url, fixtures, base_port, seconds, rounds, generate_body)
            rates[kind] = figures["gen"]
            rows.append(
                (
                    f"{kind}: list batches, requests/s",
                    f"{figures['list']:,.0f} vs {figures['list0']:,.0f} baseline",
                    "",
                )
            )
            rows.append(
                ("  ratio to the baseline", f"{figures['list'] / figures['list0']:.2f}x", list_target)
            )
            rows.append(
                (
                    f"{kind}: generate(100), requests/s",
                    f"{figures['gen']:,.0f} vs {figures['gen0']:,.0f} baseline",
                    "",
                )
            )
            rows.append(
                ("  ratio to the baseline", f"{figures['gen'] / figures['gen0']:.2f}x", generate_target)
            )
            with store_url(kind, work) as url:
                assert url is not None
                latency = big_generate_latency(url, fixtures)
            rows.append((f"{kind}: generate(10,000) median latency", f"{latency:.1f} ms", latency_target))
    if "memory" in rates:
        rows += prism_rows(seconds, rates["memory"])
    with store_url("postgresql", work) as url:
        if "postgresql" not in stores:
            pass
        elif url is None:
            rows.append(
                ("postgresql: two instances, generate(100)", f"not measured: set {POSTGRESQL_URL[0]}", "")
            )
        else:
            rows += two_instances(url, fixtures, seconds, generate_body, rates.get("postgresql"))
    if "memory" in stores:
        rows += memory_rows(fixtures)
        rows += stall_rows(fixtures, stall_seconds) if stall_seconds else []
    return rows


def store_throughput(
    url: str, fixtures: Path, base_port: int, seconds: int, rounds: int, generate_body: dict
) -> dict[str, float]:
    """Requests/s of the mock on `url` and of the baseline, alternating; the median of the rounds."""
    port = free_port()
    figures: dict[str, list[float]] = {key: [] for key in ("list", "list0", "gen", "gen0")}
    with server(mock_command(port, fixtures, url), port):
        for _ in range(rounds):
            figures["list0"].append(wrk(base_port, LIST_PATH, seconds))
            figures["list"].append(wrk(port, LIST_PATH, seconds))
            figures["gen0"].append(wrk(base_port, GENERATE_PATH, seconds, generate_body))
            # Every round starts from the fixtures, so rounds measure the same thing and the
            # millions of codes a round stores do not pile up from round to round.
            request(port, "POST", "/__mock/reset")
            figures["gen"].append(wrk(port, GENERATE_PATH, seconds, generate_body))
    return {key: statistics.median(values) for key, values in figures.items()}


def big_generate_latency(url: str, fixtures: Path) -> float:
    """The median of 50 sequential 10,000-code generates on a fresh store."""
    port = free_port()
    with server(mock_command(port, fixtures, url), port):
        body = {"slug": "bench-gen", "batchSize": 10000, "pointsValue": 5}
        return median_latency_ms(port, "POST", GENERATE_PATH, 50, body)


def two_instances(
    url: str, fixtures: Path, seconds: int, generate_body: dict, one: float | None
) -> list[tuple[str, str, str]]:
    """Two mock processes on one PostgreSQL schema, loaded at once: their summed requests/s."""
    ports = [free_port(), free_port()]
    with (
        server(mock_command(ports[0], fixtures, url), ports[0]),
        server(mock_command(ports[1], fixtures, url), ports[1]),
    ):
        rates = {}
        for name, path, body in (("list", LIST_PATH, None), ("gen", GENERATE_PATH, generate_body)):
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                rates[name] = sum(pool.map(lambda port, p=path, b=body: wrk(port, p, seconds, b), ports))
    scale = f" ({rates['gen'] / one:.2f}x one instance)" if one else ""
    return [
        ("postgresql, two instances: list batches, requests/s", f"{rates['list']:,.0f}", ""),
        ("postgresql, two instances: generate(100), requests/s", f"{rates['gen']:,.0f}{scale}", ""),
    ]


def memory_rows(fixtures: Path) -> list[tuple[str, str, str]]:
    rows = []
    # Memory per stored code, after a million codes and after the first lookup.
    port = free_port()
    with server(mock_command(port, fixtures, "memory"), port) as (process, _):
        before = rss_bytes(process.pid)
        big_body = {"slug": "bench-gen", "batchSize": 10000, "pointsValue": 5}
        for _ in range(100):
            request(port, "POST", GENERATE_PATH, big_body)
        generated = (rss_bytes(process.pid) - before) / 1_000_000
        # The mock indexes codes by batch when one is first looked up: measure after that too.
        _, payload = request(port, "POST", GENERATE_PATH, {**big_body, "batchSize": 1})
        status, _ = request(port, "POST", VERIFY_PATH, {"code": json.loads(payload)["data"]["codes"][0]})
        if status != 200:
            raise CouldNotMeasure(f"verify answered {status}")
        looked_up = (rss_bytes(process.pid) - before) / 1_000_000
    rows.append(("memory: bytes per stored code (1M codes)", f"{generated:.0f} bytes", "<= 150 bytes"))
    rows.append(("  same, once a code was looked up", f"{looked_up:.0f} bytes", "<= 150 bytes"))

    # Listing cost must not grow with the number of batches in the campaign.
    port = free_port()
    with server(mock_command(port, fixtures, "memory"), port):
        fill_campaign(port, "bench-big", 100_000)
        ten = median_latency_ms(port, "GET", "/v1/campaigns/codes/batches?slug=bench-small", 500)
        many = median_latency_ms(port, "GET", "/v1/campaigns/codes/batches?slug=bench-big", 500)
        deep = median_latency_ms(port, "GET", "/v1/campaigns/codes/batches?slug=bench-big&page=2500", 500)
    rows.append(("memory: list latency, 10 batches", f"{ten:.2f} ms", ""))
    rows.append(("  100,000 batches (page 1)", f"{many:.2f} ms ({many / ten:.2f}x)", "<= 1.5x"))
    rows.append(("  same, page 2,500", f"{deep:.2f} ms ({deep / ten:.2f}x)", "<= 1.5x"))

    # Start-up on the bundled fixtures, until the first answered request.
    startups = []
    for _ in range(3):
        port = free_port()
        with server(mock_command(port, None, "memory"), port) as (_, took):
            startups.append(took)
    rows.append(
        ("start-up to first answer (default fixtures)", f"{statistics.median(startups):.2f} s", "< 1 s")
    )
    return rows


def stall_rows(fixtures: Path, seconds: int) -> list[tuple[str, str, str]]:
    """Memory store under sustained load: generate(100) at 64 connections for `seconds`, and
    beside it a list request every 50 ms; the longest any of those waited, and the memory
    each stored code took."""
    port = free_port()
    waits: list[float] = []
    with server(mock_command(port, fixtures, "memory"), port) as (process, _):
        before = rss_bytes(process.pid)
        stop = threading.Event()

        failures: list[str] = []

        def probe() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                while not stop.is_set():
                    started = time.perf_counter()
                    connection.request("GET", LIST_PATH, headers={"X-API-Secret": SECRET})
                    response = connection.getresponse()
                    response.read()
                    waits.append((time.perf_counter() - started) * 1000)
                    if response.status != 200:
                        failures.append(f"the probe got {response.status}")
                        return
                    stop.wait(0.05)
            except OSError as error:
                failures.append(f"the probe failed: {error}")
            finally:
                connection.close()

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        body = {"slug": "bench-gen", "batchSize": 100, "pointsValue": 5}
        wrk(port, GENERATE_PATH, seconds, body, connections=64)
        stop.set()
        prober.join(timeout=60)
        if failures or not waits:
            raise CouldNotMeasure(failures[0] if failures else "the probe sent nothing")
        codes = json.loads(request(port, "GET", "/__mock/health")[1])["data"]["codes"]
        per_code = (rss_bytes(process.pid) - before) / max(codes, 1)
    return [
        (f"memory: {seconds} s of generate(100) at 64 connections", f"{codes:,} codes stored", ""),
        (
            "  longest wait of a list every 50 ms beside it",
            f"{max(waits):.0f} ms ({len(waits)} probes)",
            "<= 200 ms",
        ),
        ("  bytes per stored code", f"{per_code:.0f} bytes", "<= 150 bytes"),
    ]


def conformance_run(base_url: str) -> tuple[float, float, str]:
    """A default conformance run of the bundled mock: its length, its longest silence, its verdict."""
    command = [sys.executable, "-u", "-m", "conformance", "--base-url", base_url]
    command += ["--api-secret", "sk_test_acme_mock_secret", "--slug", "summer-promo"]
    started = last = time.perf_counter()
    silence, verdict = 0.0, ""
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:  # read from a pipe, as a CI log reads it
            now = time.perf_counter()
            silence, last = max(silence, now - last), now
            verdict = line.strip() or verdict
    return time.perf_counter() - started, silence, verdict


def conformance_rows() -> list[tuple[str, str, str]]:
    """The suite against the mock at once, and 100 ms away (--latency-ms 100)."""
    rows = []
    for latency in (0, 100):
        port = free_port()
        command = [*mock_command(port, None), "--latency-ms", str(latency)]
        with server(command, port):
            took, silence, verdict = conformance_run(f"http://127.0.0.1:{port}")
        if verdict != "Verdict: CONFORMANT":
            raise CouldNotMeasure(f"the conformance run of the mock ended with {verdict!r}")
        target = ("<= 25 s", "<= 3 s") if latency else ("", "")
        rows.append((f"conformance run, mock {latency} ms away", f"{took:.1f} s", target[0]))
        rows.append(("  longest time without a line", f"{silence:.1f} s", target[1]))
    return rows


# -- the judge of other traffic: the proxy, and recorded HAR files ---------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def proxy_command(port: int, upstream_port: int) -> list[str]:
    return [sys.executable, "-m", "conformance", "--proxy", f"127.0.0.1:{port}", "--base-url",
            f"http://127.0.0.1:{upstream_port}", "--api-secret", SECRET]  # fmt: skip


def proxy_rows(fixtures: Path, seconds: int, rounds: int) -> list[tuple[str, str, str]]:
    """The proxy in front of the mock: the latency it adds, one request at a time, and its throughput
    at 16 connections, both against the mock direct, measured alternately in the same run."""
    rows = []
    mock_port, proxy_port = free_port(), free_port()
    generate_body = {"slug": "bench-gen", "batchSize": 100, "pointsValue": 5}
    with (
        server(mock_command(mock_port, fixtures), mock_port),
        server(proxy_command(proxy_port, mock_port), proxy_port),
    ):
        for name, method, path, body in (
            ("list batches", "GET", LIST_PATH, None),
            ("generate(100)", "POST", GENERATE_PATH, generate_body),
        ):
            direct, proxied = [], []
            for _ in range(200):  # warm both up
                request(mock_port, method, path, body)
                request(proxy_port, method, path, body)
            for _ in range(2000):
                for port, timings in ((mock_port, direct), (proxy_port, proxied)):
                    started = time.perf_counter()
                    status, _ = request(port, method, path, body)
                    timings.append((time.perf_counter() - started) * 1000)
                    if status != 200:
                        raise CouldNotMeasure(f"{method} {path} answered {status} on port {port}")
            added = statistics.median(proxied) - statistics.median(direct)
            added99 = percentile(proxied, 0.99) - percentile(direct, 0.99)
            rows.append((f"proxy: {name}, added latency, median", f"{added:.2f} ms", "<= 1 ms"))
            rows.append(("  p99", f"{added99:.2f} ms", "<= 5 ms"))
        request(mock_port, "POST", "/__mock/reset")
        for name, path, body in (
            ("list batches", LIST_PATH, None),
            ("generate(100)", GENERATE_PATH, generate_body),
        ):
            figures: dict[str, list[float]] = {"direct": [], "proxied": [], "behind": []}
            for _ in range(rounds):
                figures["direct"].append(wrk(mock_port, path, seconds, body))
                figures["proxied"].append(wrk(proxy_port, path, seconds, body))
                # The judge works in the time the traffic leaves it: its report waits until it has
                # judged all that passed, so the next run does not share the machine with it.
                started = time.perf_counter()
                status, _ = request(proxy_port, "GET", "/__conformance/report")
                figures["behind"].append(time.perf_counter() - started)
                if status != 200:
                    raise CouldNotMeasure(f"the proxy's report answered {status}")
                request(mock_port, "POST", "/__mock/reset")
            direct, proxied = statistics.median(figures["direct"]), statistics.median(figures["proxied"])
            rows.append(
                (
                    f"proxy: {name} at 16 connections, requests/s",
                    f"{proxied:,.0f} vs {direct:,.0f} direct",
                    "",
                )
            )
            rows.append(("  ratio to the mock direct", f"{proxied / direct:.2f}x", ">= 0.5x"))
            behind = statistics.median(figures["behind"])
            rows.append(
                ("  the judge done with all of it, after the run", f"{behind:.1f} s (a {seconds} s run)", "")
            )
    return rows


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _code(number: int) -> str:
    digits = []
    for _ in range(8):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "BENC-" + "".join(digits)


def _har_entry(moment: float, method: str, url: str, body: dict | None, answer: dict) -> str:
    """One HAR entry: a JSON request and its 200 JSON answer, at `moment`."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"
    request_headers = [
        {"name": "Content-Type", "value": "application/json"},
        {"name": "X-API-Secret", "value": SECRET},
        {"name": "User-Agent", "value": "bench/1.0"},
        {"name": "Accept", "value": "*/*"},
    ]
    asked = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": request_headers}
    if body is not None:
        asked["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    text = json.dumps(answer)
    answered = {
        "status": 200,
        "statusText": "OK",
        "httpVersion": "HTTP/1.1",
        "headers": [
            {"name": "content-type", "value": "application/json"},
            {"name": "server", "value": "bench"},
        ],
        "content": {"size": len(text), "mimeType": "application/json", "text": text},
    }
    return json.dumps({"startedDateTime": stamp, "time": 1.0, "request": asked, "response": answered})


def _stats(campaign: dict) -> dict:
    codes, redeemed = campaign["codes"], campaign["redeemed"]
    counts = {"totalCodes": codes, "activeCodes": codes - redeemed, "redeemedCodes": redeemed}
    counts.update(expiredCodes=0, revokedCodes=0, totalBatches=len(campaign["batches"]))
    return {"status": "success", "data": counts}


def _cycle(number: int, moment: float, campaign: dict, slug: str, codes: list[str]) -> list[tuple]:
    """One round of a partner's traffic on a campaign: stats, generate, the list, verify, redeem,
    verify again, stats; its exchanges as (method, url, body, answer)."""
    base = "http://api.bench.test/v1/campaigns"
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
    batch = {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
    }
    batch.update(batchSize=len(codes), pointsValue=50, label="bench", expiresAt=None, createdAt=created)
    cycle: list[tuple] = [("GET", f"{base}/codes/stats?slug={slug}", None, _stats(campaign))]
    generated = {
        "batch": batch,
        "codes": codes,
        "count": len(codes),
        "gameUrl": f"https://app.test/campaign/{slug}",
    }
    asked = {"slug": slug, "batchSize": len(codes), "pointsValue": 50}
    cycle.append(("POST", f"{base}/codes/generate", asked, {"status": "success", "data": generated}))
    campaign["batches"].insert(0, batch)
    campaign["codes"] += len(codes)
    page = {"batches": campaign["batches"][:20], "total": len(campaign["batches"]), "page": 1, "limit": 20}
    cycle.append(("GET", f"{base}/codes/batches?slug={slug}", None, {"status": "success", "data": page}))
    verdict = {
        "valid": True,
        "status": "ACTIVE",
        "pointsValue": 50,
        "campaignName": slug,
        "campaignSlug": slug,
    }
    verdict.update(expired=False, message="Code is valid and redeemable")
    cycle.append(("POST", f"{base}/codes/verify", {"code": codes[0]}, {"status": "success", "data": verdict}))
    redeemed = {"code": codes[0], "userId": "u", "pointsAwarded": 50, "batchId": batch["id"]}
    redeemed.update(campaignSlug=slug, redeemedAt=created)
    asked = {"code": codes[0], "userId": "u"}
    cycle.append(("POST", f"{base}/{slug}/redeem", asked, {"status": "success", "data": redeemed}))
    campaign["redeemed"] += 1
    again = {**verdict, "valid": False, "status": "REDEEMED", "message": "Code status is REDEEMED"}
    cycle.append(("POST", f"{base}/codes/verify", {"code": codes[0]}, {"status": "success", "data": again}))
    cycle.append(("GET", f"{base}/codes/stats?slug={slug}", None, _stats(campaign)))
    return cycle


def write_har(path: Path, exchanges: int) -> int:
    """A recording of `exchanges` exchanges of one partner's consistent traffic over 100 campaigns
    (bench/run.py's own: see _cycle); its size in bytes."""
    campaigns: dict[str, dict] = {}
    moment, written, codes = 1_800_000_000.0, 0, 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": [\n')
        while written < exchanges:
            slug = f"bench{written // 7 % 100:03d}"
            campaign = campaigns.setdefault(slug, {"batches": [], "codes": 0, "redeemed": 0})
            batch_codes = [_code(codes + i) for i in range(20)]
            codes += len(batch_codes)
            for method, url, body, answer in _cycle(written, moment, campaign, slug, batch_codes):
                if written == exchanges:
                    break
                moment += 0.002
                out.write(("" if written == 0 else ",\n") + _har_entry(moment, method, url, body, answer))
                written += 1
        out.write("\n]}}\n")
    return path.stat().st_size


def har_rows(work: Path, exchanges: int) -> list[tuple[str, str, str]]:
    """The judge of a large recording: its time and peak memory, as `gamifyhost-conformance --har`."""
    har = work / "bench.har"
    size = write_har(har, exchanges)
    command = [sys.executable, str(ROOT / "bench" / "judge_har.py"), str(har), SECRET]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not done.stdout.strip():
        raise CouldNotMeasure(f"judging the HAR failed: {done.stderr[-2000:]}")
    exit_code, judged, took, peak = done.stdout.split()
    if exit_code != "0" or int(judged) != exchanges:
        raise CouldNotMeasure(
            f"the bench's recording should conform, all of it judged: {done.stdout} {done.stderr}"
        )
    return [
        (
            f"judge: a HAR of {exchanges:,} exchanges ({size / 1e6:,.0f} MB)",
            f"{float(took):.1f} s",
            "<= 30 s",
        ),
        ("  peak memory", f"{int(peak) / 2**20:,.0f} MiB", "<= 1,024 MiB"),
    ]


def judge_memory_rows() -> list[tuple[str, str, str]]:
    """What the judge keeps per code it remembers (bench/judge_memory.py)."""
    command = [sys.executable, str(ROOT / "bench" / "judge_memory.py")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise CouldNotMeasure(f"measuring the judge's memory failed: {done.stderr[-2000:]}")
    return [("judge: memory per remembered code (200,000 codes)", f"{float(done.stdout):.0f} bytes", "")]


def traffic_rows(work: Path, seconds: int, rounds: int, exchanges: int) -> list[tuple[str, str, str]]:
    fixtures = write_fixtures(work)
    return [*proxy_rows(fixtures, seconds, rounds), *har_rows(work, exchanges), *judge_memory_rows()]


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--seconds", type=int, default=3, help="length of each wrk run (default 3)")
    options.add_argument("--rounds", type=int, default=3, help="alternating rounds of wrk runs (default 3)")
    options.add_argument(
        "--stall-seconds",
        type=int,
        default=60,
        help="length of the sustained generate load beside the list probe (default 60; 0: none)",
    )
    options.add_argument(
        "--stores",
        default=",".join(STORE_TARGETS),
        help=f"the stores to measure, of {','.join(STORE_TARGETS)} (default: all)",
    )
    options.add_argument(
        "--only",
        choices=("server", "conformance", "traffic"),
        help="measure the mock server only, the conformance suite's runs, or its judge of other traffic",
    )
    options.add_argument(
        "--har-exchanges",
        type=int,
        default=100_000,
        help="exchanges in the recording the judge reads (100000)",
    )
    args = options.parse_args()
    if args.only != "conformance" and shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory() as work:
            stores = [kind for kind in args.stores.split(",") if kind]
            if not set(stores) <= set(STORE_TARGETS):
                options.error(f"--stores: not stores: {sorted(set(stores) - set(STORE_TARGETS))}")
            rows = []
            if args.only in (None, "server"):
                rows += measure(args.seconds, args.rounds, args.stall_seconds, stores, Path(work))
            if args.only in (None, "conformance"):
                rows += conformance_rows()
            if args.only in (None, "traffic"):
                rows += traffic_rows(Path(work), args.seconds, args.rounds, args.har_exchanges)
    except CouldNotMeasure as error:
        print(f"bench: could not measure: {error}", file=sys.stderr)
        return 1
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'figure':<34}  target")
    for name, figure, target in rows:
        print(f"{name:<{width}}  {figure:<34}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
