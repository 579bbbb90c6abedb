"""`gamifyhost-conformance --har FILE`: recorded traffic judged by the same rules, and nothing sent.

HAR files come from a recorder at the mock (plain, base64 and gzip, base64 and brotli), from a real
Chromium (Playwright's record_har_path), from a real mitmproxy (mitmdump --set hardump), in the shape
Firefox's devtools save, and broken on purpose to see each refused in one line.
"""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import broken_servers as broken
import httpx
import pytest
from conformance_kit import ALL_OPERATIONS, SUITE_ARGUMENTS
from har_kit import COMPRESSORS, DECLARED, HarRecorder
from helpers_browser import launched_chromium

from conformance import evaluate
from mockserver import create_app
from mockserver.kit.serving import free_port, serve_in_thread

ACME = "sk_test_acme_mock_secret"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One active run against the mock, recorded three ways at once: plain, gzip and brotli bodies."""
    folder = tmp_path_factory.mktemp("har")
    recorders = {
        name: HarRecorder(create_app(), compress)
        for name, compress in (("plain", None), ("gzip", "gzip"), ("br", "br"))
    }
    plain = recorders["plain"]
    with serve_in_thread(plain) as base_url:
        report = evaluate(["--base-url", base_url, *SUITE_ARGUMENTS, *ALL_OPERATIONS], environ={})
    assert report.exit_code == 0, report.summary
    files = {"plain": plain.write(folder / "plain.har")}
    for name in ("gzip", "br"):  # the same entries, their answers saved compressed as some tools do
        recorder = recorders[name]
        recorder.entries = [recompressed(entry, name) for entry in plain.entries]
        files[name] = recorder.write(folder / f"{name}.har")
    yield files


def recompressed(entry: dict, coding: str) -> dict:
    copy = json.loads(json.dumps(entry))
    content = copy["response"]["content"]
    content.update(
        text=base64.b64encode(COMPRESSORS[coding](content["text"].encode())).decode(), encoding="base64"
    )
    copy["response"]["headers"].append({"name": "Content-Encoding", "value": coding})
    return copy


@pytest.mark.parametrize("kind", ["plain", "gzip", "br"])
def test_a_recording_of_a_conforming_run_conforms_and_nothing_is_sent(
    recorded: dict[str, Path], kind: str
) -> None:
    report = evaluate(["--har", str(recorded[kind]), *DECLARED, "--sole-client"], environ={})
    assert report.exit_code == 0, report.summary
    books = report.judge.books
    assert books.judged > 300 and books.unreachable == 0
    assert f"GamifyHost conformance of recorded traffic: {recorded[kind]}" in report.summary
    assert "documented rules judged: 40 of 42" in report.summary
    # What only the active run's probes can show is named as such.
    assert "not judged: auth.invalid-key (only the active run's probes show it)" in report.summary
    assert report.session.traffic is None  # no request was sent


def test_without_declarations_the_judge_assumes_nothing_of_secrets(recorded: dict[str, Path]) -> None:
    report = evaluate(["--har", str(recorded["plain"])], environ={})
    assert report.exit_code == 0, report.summary
    assert "not judged: auth.revoked-key (this traffic never showed it)" in report.summary


def test_a_session_split_over_several_files_and_the_json_report(
    recorded: dict[str, Path], tmp_path: Path
) -> None:
    har = json.loads(recorded["plain"].read_text())
    entries = har["log"]["entries"]
    files = []
    for number, part in enumerate((entries[: len(entries) // 2], entries[len(entries) // 2 :]), 1):
        har["log"]["entries"] = part
        files.append(str(tmp_path / f"part-{number}.har"))
        Path(files[-1]).write_text(json.dumps(har))
    out = tmp_path / "report.json"
    report = evaluate(["--har", files[0], "--har", files[1], "--json", str(out), *DECLARED], environ={})
    assert report.exit_code == 0, report.summary
    written = json.loads(out.read_text())
    assert written["mode"] == "har" and written["sources"] == files and written["verdict"] == "conformant"
    assert written["exchanges"]["judged"] == report.judge.books.judged == len(entries)
    assert written["violations"] == [] and written["rules"]["documented"] == 42
    assert {"rule": "auth.invalid-key", "why": "only the active run's probes show it"} in written["rules"][
        "notJudged"
    ]


def test_what_is_not_the_api_is_counted_and_named_as_ignored(
    recorded: dict[str, Path], tmp_path: Path
) -> None:
    har = json.loads(recorded["plain"].read_text())
    first = har["log"]["entries"][0]
    for path in ("/favicon.ico", "/__mock/health", "/favicon.ico"):
        extra = json.loads(json.dumps(first))
        extra["request"].update(method="GET", url=f"http://127.0.0.1:1{path}", postData=None)
        har["log"]["entries"].append(extra)
    unanswered = json.loads(json.dumps(first))
    unanswered["response"]["status"] = 0
    har["log"]["entries"].append(unanswered)
    (tmp_path / "mixed.har").write_text(json.dumps(har))
    report = evaluate(["--har", str(tmp_path / "mixed.har")], environ={})
    assert report.exit_code == 0, report.summary
    assert (
        "ignored (not the API's): 3 (GET /favicon.ico (2), GET /__mock/health (1)); unreachable: 1"
        in report.summary
    )


def test_a_har_without_the_apis_traffic_conforms_vacuously_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.har"
    path.write_text(
        json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": []}})
    )
    report = evaluate(["--har", str(path)], environ={})
    assert report.exit_code == 0, report.summary
    assert "Exchanges judged: 0;" in report.summary
    assert report.summary.endswith(
        "Verdict: CONFORMANT, vacuously: no exchange of the API's passed, nothing was judged"
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read it: No such file or directory"),
        (b"<html>not json</html>", "not a HAR file: not JSON (Expecting value at line 1, column 1)"),
        (b'{"log": {"version": "1.2"}}', 'not a HAR file: its log has no "entries" list'),
        (b'{"entries": []}', 'not a HAR file: no "log" object at its top'),
        (b'{"log": {"entries": [{"request": {"method": "GET"', "cut short: entry 1"),
        (b'{"log": {"entries": []', "cut short: nothing closes its log after the entries"),
        (
            b'{"log": {"entries": [{"request": {"url": "http://h',
            "entry 1: Unterminated string starting at line 1",
        ),
        (b'{"log": {"entries": [{"startedDateTime": "x"}]}}', "entry 1 is not a HAR entry"),
        (b"\xff\xfe{", "not UTF-8 text"),
    ],
    ids=[
        "missing",
        "not-json",
        "no-entries",
        "no-log",
        "cut-in-an-entry",
        "cut-after-entries",
        "cut-in-a-string",
        "bad-entry",
        "binary",
    ],
)
def test_a_file_that_is_not_har_is_a_usage_error_in_one_line(
    tmp_path: Path, content: bytes | None, said: str
) -> None:
    path = tmp_path / "traffic.har"
    if content is not None:
        path.write_bytes(content)
    report = evaluate(["--har", str(path)], environ={})
    assert report.exit_code == 2
    assert report.summary.startswith(f"gamifyhost-conformance: error: {path}: ")
    assert said in report.summary and "\n" not in report.summary, report.summary


def test_a_har_recorded_by_chromium_through_playwright_is_judged(tmp_path: Path) -> None:
    """A page in a real Chromium calls the mock (generate, verify, redeem, verify again, stats); Playwright
    records the HAR; the judge finds the recording conforming, and every call of it judged."""
    har = tmp_path / "browser.har"
    page = f"""<!doctype html><title>shop</title><script>
    const pause = () => new Promise(done => setTimeout(done, 20));
    const call = (method, path, body) => fetch(path, {{method, headers: {{"X-API-Secret": "{ACME}",
        "Content-Type": "application/json"}}, body: body && JSON.stringify(body)}}).then(r => r.json());
    (async () => {{
      const asked = {{slug: "summer-promo", batchSize: 2, pointsValue: 40}};
      const made = await call("POST", "/v1/campaigns/codes/generate", asked);
      const code = made.data.codes[0];
      await call("POST", "/v1/campaigns/codes/verify", {{code}});
      await call("POST", "/v1/campaigns/summer-promo/redeem", {{code, userId: "shopper"}});
      await pause();  // a HAR's times are to the millisecond: the order shows past that
      await call("POST", "/v1/campaigns/codes/verify", {{code}});
      await call("POST", "/v1/campaigns/summer-promo/redeem", {{code, userId: "shopper"}});
      await call("GET", "/v1/campaigns/codes/stats?slug=summer-promo");
      document.title = "done";
    }})();
    </script>"""
    app = create_app()

    async def with_page(scope: dict, receive: object, send: object) -> None:
        if scope["type"] == "http" and scope["path"] == "/shop":
            body = page.encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    with serve_in_thread(with_page) as base_url, launched_chromium() as browser:
        context = browser.new_context(record_har_path=str(har))
        tab = context.new_page()
        tab.goto(f"{base_url}/shop")
        tab.wait_for_function("document.title === 'done'", timeout=10_000)
        context.close()  # writes the HAR
        assert httpx.get(f"{base_url}/__mock/health").status_code == 200
    report = evaluate(["--har", str(har), "--api-secret", ACME], environ={})
    assert report.exit_code == 0, report.summary
    assert report.judge.books.judged == 6 and report.judge.books.ignored["GET /shop"] == 1
    outcomes = report.judge.books.outcomes
    assert outcomes[("redeem", "redeemed_once")].judged == 1  # the first redemption; the second was refused
    assert outcomes[("verify", "redeemed_code_not_valid_again")].judged == 1


@contextlib.contextmanager
def recording_mitmproxy(mitmdump: Path, upstream: str, har: Path, home: Path) -> Iterator[str]:
    """mitmdump as a reverse proxy in front of `upstream`, writing `har` when it is stopped."""
    port = free_port()
    command = [
        mitmdump, "--mode", f"reverse:{upstream}", "--listen-host", "127.0.0.1", "--listen-port", str(port),
        "--set", f"hardump={har}", "--set", f"confdir={home}", "--quiet",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "mitmdump did not listen within 30 s"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)  # mitmdump writes the HAR as it stops
        process.wait(timeout=30)


def test_a_har_written_by_mitmproxy_is_judged(mitmdump: Path, tmp_path: Path) -> None:
    """The suite's own run against the mock through a real mitmproxy; mitmproxy's HAR of it conforms,
    every exchange of it judged."""
    har = tmp_path / "mitmproxy.har"
    with (
        serve_in_thread(create_app()) as upstream,
        recording_mitmproxy(mitmdump, upstream, har, tmp_path / "mitmproxy") as proxy_url,
    ):
        active = evaluate(["--base-url", proxy_url, *SUITE_ARGUMENTS, *ALL_OPERATIONS], environ={})
    assert active.exit_code == 0, active.summary
    entries = json.loads(har.read_text())["log"]["entries"]
    assert entries[0]["request"]["url"].startswith(upstream)  # mitmproxy records the upstream's URL
    report = evaluate(["--har", str(har), *DECLARED, "--sole-client"], environ={})
    assert report.exit_code == 0, report.summary
    books = report.judge.books
    assert books.judged + sum(books.ignored.values()) == len(entries) and books.judged > 300


def test_mitmproxys_recording_of_a_broken_server_fails_it(mitmdump: Path, tmp_path: Path) -> None:
    """A redeem that awards the batch's size instead of the code's points, caught in mitmproxy's HAR."""
    har = tmp_path / "mitmproxy.har"
    secret = {"X-API-Secret": ACME}
    with (
        serve_in_thread(broken.redeem_awards_batch_size()) as upstream,
        recording_mitmproxy(mitmdump, upstream, har, tmp_path / "mitmproxy") as proxy_url,
        httpx.Client(base_url=proxy_url, headers=secret) as client,
    ):
        asked = {"slug": "summer-promo", "batchSize": 3, "pointsValue": 40}
        code = client.post("/v1/campaigns/codes/generate", json=asked).json()["data"]["codes"][0]
        redeemed = client.post("/v1/campaigns/summer-promo/redeem", json={"code": code, "userId": "u1"})
        assert redeemed.json()["data"]["pointsAwarded"] == 3
    report = evaluate(["--har", str(har), "--api-secret", ACME], environ={})
    assert report.exit_code == 1, report.summary
    assert "redeem.redemption_awards_code_points" in {f.key for f in report.judge.books.violations}


def firefox_shaped(entries: list[dict]) -> dict:
    """Entries as Firefox's devtools save them ("Save All As HAR"): local times with an offset, a page
    each entry refers to, request bodies with `params`, answers saved decoded under the
    Content-Encoding header they came with, and Firefox's own underscore fields."""
    shaped = []
    for entry in json.loads(json.dumps(entries)):
        started = entry["startedDateTime"].replace("Z", "+00:00")
        moment = datetime.fromisoformat(started).astimezone(timezone(timedelta(hours=1)))
        entry["startedDateTime"] = moment.isoformat(timespec="milliseconds")
        entry["time"] = round(entry["time"])
        entry.update(pageref="page_1", _securityState="insecure", serverIPAddress="127.0.0.1")
        entry["request"].setdefault("cookies", [])
        if "postData" in entry["request"]:
            entry["request"]["postData"]["params"] = []
        entry["response"]["headers"].append({"name": "Content-Encoding", "value": "gzip"})
        entry["response"]["cookies"] = []
        entry["timings"] = {
            "blocked": 0,
            "dns": 0,
            "connect": 0,
            "ssl": 0,
            "send": 0,
            "wait": entry["time"],
            "receive": 0,
        }
        shaped.append(entry)
    page = {
        "startedDateTime": shaped[0]["startedDateTime"],
        "id": "page_1",
        "title": "shop",
        "pageTimings": {},
    }
    creator = {"name": "Firefox", "version": "128.0"}
    return {
        "log": {"version": "1.2", "creator": creator, "browser": creator, "pages": [page], "entries": shaped}
    }


def test_a_har_in_firefoxs_shape_is_judged(recorded: dict[str, Path], tmp_path: Path) -> None:
    entries = json.loads(recorded["plain"].read_text())["log"]["entries"]
    har = tmp_path / "firefox.har"
    har.write_text(json.dumps(firefox_shaped(entries), indent=2))
    report = evaluate(["--har", str(har), *DECLARED, "--sole-client"], environ={})
    assert report.exit_code == 0, report.summary
    assert report.judge.books.judged == len(entries)
