"""Traffic of a test double, recorded as HAR at the double itself, and one run seen three ways: the
suite's own verdict, its proxy's, and the HAR file's."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import brotli
from asgi_rewrite import ASGIApp
from conformance_kit import ALL_OPERATIONS, INPUTS

from conformance import Report, evaluate
from conformance.judge import Judge
from conformance.kit.cli import render
from conformance.reports.json import report
from conformance.sources import Session, resolve
from conformance.sources.har import HarWriter
from conformance.sources.proxy import CheckingProxy
from mockserver.kit.serving import serve_in_thread

COMPRESSORS = {"gzip": gzip.compress, "br": brotli.compress}


class HarRecorder:
    """`app` unchanged, every exchange kept as a HAR 1.2 entry; `compress` stores answers compressed
    (base64, with their Content-Encoding), as some tools save them."""

    def __init__(self, app: ASGIApp, compress: str | None = None) -> None:
        self.app, self.compress = app, compress
        self.entries: list[dict[str, Any]] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = datetime.now(UTC)
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        sent: list[dict] = []

        async def replay() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def keep(message: dict) -> None:
            sent.append(message)
            await send(message)

        await self.app(scope, replay, keep)
        start = next(message for message in sent if message["type"] == "http.response.start")
        content = b"".join(
            message.get("body", b"") for message in sent if message["type"] == "http.response.body"
        )
        self.entries.append(self._entry(scope, body, start, content, started))

    def _entry(
        self, scope: dict, body: bytes, start: dict, content: bytes, started: datetime
    ) -> dict[str, Any]:
        headers = [{"name": k.decode("latin-1"), "value": v.decode("latin-1")} for k, v in scope["headers"]]
        query = scope.get("query_string", b"").decode("latin-1")
        host = dict(scope["headers"]).get(b"host", b"testserver").decode("latin-1")
        answered = [
            {"name": k.decode("latin-1"), "value": v.decode("latin-1")} for k, v in start.get("headers", [])
        ]
        stored: dict[str, Any] = {"size": len(content), "mimeType": "application/json"}
        if self.compress:
            stored.update(
                text=base64.b64encode(COMPRESSORS[self.compress](content)).decode(), encoding="base64"
            )
            answered.append({"name": "Content-Encoding", "value": self.compress})
        else:
            stored["text"] = content.decode("utf-8", "replace")
        elapsed = (datetime.now(UTC) - started).total_seconds() * 1000
        request: dict[str, Any] = {
            "method": scope["method"],
            "url": f"http://{host}{scope['path']}{'?' + query if query else ''}",
            "httpVersion": "HTTP/1.1",
            "headers": headers,
            "queryString": [],
            "headersSize": -1,
            "bodySize": len(body),
        }
        if body:
            request["postData"] = {"mimeType": "application/json", "text": body.decode("utf-8", "replace")}
        return {
            # Microseconds, as mitmproxy records them: with a browser's milliseconds, requests a
            # millisecond apart cannot be ordered, and the exact counts of the run's windows (which
            # catch a count moved from one status to another) would depend on the machine's speed.
            "startedDateTime": started.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "time": round(elapsed, 3),
            "request": request,
            "response": {
                "status": start["status"],
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "headers": answered,
                "content": stored,
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": len(content),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(elapsed, 3), "receive": 0},
        }

    def write(self, path: Path) -> Path:
        har = {
            "log": {"version": "1.2", "creator": {"name": "tests", "version": "1"}, "entries": self.entries}
        }
        path.write_text(json.dumps(har), encoding="utf-8")
        return path


# What a passive judge is told: whose each secret is, which campaigns are closed or foreign.
DECLARED = [part for part in INPUTS if part not in ("--slug", "summer-promo")]


@dataclass
class ThreeWays:
    active: Report  # the suite's own run, through the proxy
    proxy: Session  # the proxy's judge, on the same traffic
    har: Report  # the HAR file recorded at the double, judged afterwards


@contextlib.contextmanager
def proxy_in_front(
    upstream: str, *declared: str, sole_client: bool = True, record: Path | None = None
) -> Iterator[tuple[str, CheckingProxy, Session]]:
    """The checking proxy in front of `upstream`, served on a free loopback port (recording in `record`
    if given); the session it judges is whole once the block ends."""
    options = {"proxy": "127.0.0.1:0", "base_url": upstream, "sole_client": sole_client, **_options(declared)}
    settings = resolve(options, {})
    judge = Judge(settings.roles(), settings.slugs(), sole_client=sole_client, keep_log=True)
    session = Session(settings, judge)
    recorder = HarWriter(str(record), "tests") if record is not None else None
    proxy = CheckingProxy(upstream, judge, lambda: json.dumps(report(session)).encode(), recorder)
    with proxy.serving() as proxy_url:
        yield proxy_url, proxy, session


def _options(arguments: tuple[str, ...]) -> dict[str, str]:
    return {
        arguments[i].removeprefix("--").replace("-", "_"): arguments[i + 1]
        for i in range(0, len(arguments), 2)
    }


def run_three_ways(
    app: ASGIApp, arguments: list[str], tmp_path: Path, compress: str | None = None
) -> ThreeWays:
    """One active run against `app` over HTTP through the proxy, judged by the suite, by the proxy, and
    from the HAR recorded at `app`."""
    recorder = HarRecorder(app, compress)
    with (
        serve_in_thread(recorder) as upstream,
        proxy_in_front(upstream, *DECLARED) as (proxy_url, _proxy, session),
    ):
        active = evaluate(["--base-url", proxy_url, *arguments, *ALL_OPERATIONS], environ={})
    har = recorder.write(tmp_path / "traffic.har")
    return ThreeWays(active, session, evaluate(["--har", str(har), *DECLARED, "--sole-client"], environ={}))


def proxy_summary(session: Session) -> str:
    return render(session)
