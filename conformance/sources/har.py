"""Recorded traffic: HAR 1.2 files (browsers' devtools, Playwright's record_har_path, mitmproxy), read
entry by entry and handed to the judge in the order their answers came. Nothing is sent. And the
proxy's own recordings (`HarWriter`), written entry by entry as exchanges pass.

A HAR file's entries are read one at a time from its text, so a large recording costs its own
size in memory and little more. Bodies may be base64 and compressed (gzip, deflate, br): both are
undone. An entry without an answer (status 0: the request never got one) counts as unreachable.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ..judge import Exchange, Judge, headers_of
from .encoding import decompressed

_ENTRIES = re.compile(r'"entries"\s*:\s*\[')
_SPACE = re.compile(r"[\s,]*")


class HarError(ValueError):
    """A file the judge cannot read as HAR, said in one line that names it."""


def judge_har(paths: tuple[str, ...] | list[str], judge: Judge) -> None:
    """Judge every entry of the files, in the order their answers came (file by file)."""
    for path in paths:
        pending: list[tuple[float, int, Exchange]] = []
        for exchange in exchanges_of(path, judge):
            # Entries come in the order they started: one is judged once every entry that ended
            # before it started was.
            while pending and pending[0][0] <= exchange.started:
                _feed(judge, heapq.heappop(pending)[2])
            heapq.heappush(pending, (exchange.ended, exchange.index, exchange))
            judge.begun(exchange.index, exchange.started)
        while pending:
            _feed(judge, heapq.heappop(pending)[2])


def _feed(judge: Judge, exchange: Exchange) -> None:
    if exchange.status == 0:
        judge.unreachable(exchange)
    else:
        judge.judge(exchange)


def exchanges_of(path: str, judge: Judge | None = None) -> Iterator[Exchange]:
    """The entries of a HAR file as exchanges, numbered from 1 in the file's order; HarError when the
    file is not HAR, is cut short, or cannot be read."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise HarError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HarError(f"{path}: not a HAR file: not UTF-8 text (byte {error.start})") from None
    del raw
    found = _ENTRIES.search(text)
    if found is None or not text.lstrip().startswith("{") or '"log"' not in text[: found.start()]:
        _explain_not_har(path, text)
    decoder = json.JSONDecoder()
    position, number = found.end(), 0  # type: ignore[union-attr]
    while True:
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            raise HarError(f"{path}: not a HAR file, or cut short: its entries never end")
        if text[position] == "]":
            break
        try:
            entry, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise HarError(
                f"{path}: not a HAR file, or cut short: entry {number + 1}: {_why(error)}"
            ) from None
        number += 1
        yield _exchange(path, number, entry)
    if text.count("}", position) < 2:
        raise HarError(f"{path}: not a HAR file, or cut short: nothing closes its log after the entries")


def _explain_not_har(path: str, text: str) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise HarError(f"{path}: not a HAR file: not JSON ({_why(error)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("log"), dict):
        raise HarError(f'{path}: not a HAR file: no "log" object at its top')
    raise HarError(f'{path}: not a HAR file: its log has no "entries" list')


def _why(error: json.JSONDecodeError) -> str:
    """What the parser says, and where ("Unterminated string starting at line 4, column 84")."""
    return f"{error.msg.removesuffix(' at')} at line {error.lineno}, column {error.colno}"


def _exchange(path: str, number: int, entry: Any) -> Exchange:
    try:
        request, response = entry["request"], entry["response"]
        started, blur = _instant(entry["startedDateTime"])
        duration = float(entry.get("time") or 0) / 1000
        if float(entry.get("time") or 0).is_integer():
            blur += 0.001  # whole milliseconds (Firefox): the time may be cut by one
        post = request.get("postData") or {}
        content = response.get("content") or {}
        response_headers = headers_of((h["name"], h["value"]) for h in response.get("headers", ()))
        return Exchange(
            method=str(request["method"]).upper(),
            url=str(request["url"]),
            request_headers=headers_of((h["name"], h["value"]) for h in request.get("headers", ())),
            request_body=_body(post.get("text"), post.get("encoding"), "")
            if post.get("text") is not None
            else None,
            status=int(response["status"]),
            response_headers=response_headers,
            response_body=_body(
                content.get("text"), content.get("encoding"), response_headers.get("content-encoding", "")
            ),
            # An exchange surely ran within its recorded start and end widened by what the tool
            # rounded away: no two exchanges are ordered by less than their times tell.
            started=started - blur,
            ended=started + max(duration, 0.0) + blur,
            index=number,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise HarError(
            f"{path}: entry {number} is not a HAR entry ({type(error).__name__}: {error})"
        ) from None


def _body(text: Any, encoding: Any, content_encoding: str) -> bytes:
    if text is None:
        return b""
    if encoding == "base64":
        try:
            data = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            raise ValueError("a base64 body that is not base64") from None
        return decompressed(data, content_encoding) if content_encoding else data
    return str(text).encode("utf-8", "surrogatepass")


def _instant(text: Any) -> tuple[float, float]:
    """startedDateTime (ISO 8601, any offset, Z or not) as seconds since the epoch, and how far from
    the instant it names the start may be: the last digit it gives (a millisecond for browsers and
    Playwright, a microsecond for mitmproxy)."""
    value = str(text).strip().replace("Z", "+00:00").replace("z", "+00:00")
    found = _FRACTION.search(value)
    digits = len(found.group(1)) if found else 0
    return datetime.fromisoformat(value).timestamp(), 10.0**-digits


_FRACTION = re.compile(r"T[0-9:]+\.([0-9]+)")


class HarWriter:
    """A HAR 1.2 file written an entry at a time: what a proxy session passed on, as it passed.

    Bodies are kept as text when they are UTF-8, base64 otherwise; answers as the judge read them
    (decompressed). An exchange the upstream never answered is an entry of status 0. The file is
    whole once `close()` ends its entries; a session killed before that leaves it cut short, which
    `--har` says of it.
    """

    def __init__(self, path: str, creator: str) -> None:
        self.path = path
        try:
            self._out: TextIO = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
        except OSError as error:
            raise HarError(f"{path}: cannot write it: {error.strerror or error}") from None
        header = {"version": "1.2", "creator": {"name": creator, "version": "1"}}
        self._out.write('{"log": ' + json.dumps(header)[:-1] + ', "entries": [\n')
        self._entries = 0

    def add(self, exchange: Exchange, *, answered: bool = True) -> None:
        entry = json.dumps(_entry(exchange, answered))
        self._out.write(("" if self._entries == 0 else ",\n") + entry)
        self._entries += 1
        self._out.flush()

    def close(self) -> None:
        self._out.write("\n]}}\n")
        self._out.close()


def _entry(exchange: Exchange, answered: bool) -> dict[str, Any]:
    # Microseconds (ISO 8601 allows them, mitmproxy writes them): the judge orders exchanges by
    # their times widened by the precision they were written with.
    started = datetime.fromtimestamp(exchange.started, UTC).isoformat(timespec="microseconds")
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": name, "value": value} for name, value in exchange.request_headers.items()],
        "queryString": [{"name": name, "value": value} for name, value in exchange.query.items()],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(exchange.request_body or b""),
    }
    if exchange.request_body:
        request["postData"] = {
            "mimeType": exchange.request_headers.get("content-type", ""),
            **_stored(exchange.request_body),
        }
    # The body is kept decompressed: its Content-Encoding no longer applies.
    headers = [
        {"name": name, "value": value}
        for name, value in exchange.response_headers.items()
        if name not in ("content-encoding", "content-length")
    ]
    content = {"size": len(exchange.response_body), "mimeType": exchange.content_type}
    elapsed = round((exchange.ended - exchange.started) * 1000, 3)
    return {
        "startedDateTime": started.replace("+00:00", "Z"),
        "time": elapsed,
        "request": request,
        "response": {
            "status": exchange.status if answered else 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": headers,
            "cookies": [],
            "content": {**content, **_stored(exchange.response_body)} if answered else content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(exchange.response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
    }


def _stored(body: bytes) -> dict[str, str]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}
