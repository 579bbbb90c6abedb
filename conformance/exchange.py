"""One request and its answer, as the checks see them, and the curl line that replays it."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from .operations import Operation

SECRET_HEADER = "X-API-Secret"
SECRET_VARIABLE = "GAMIFYHOST_API_SECRET"
# Headers every client adds by itself; a reproduction reads better without them.
_NOISE_HEADERS = frozenset(
    {"user-agent", "accept", "accept-encoding", "connection", "content-length", "x-schemathesis-testcaseid"}
)


@dataclass(frozen=True)
class Exchange:
    """What was asked of an operation and what came back."""

    operation: Operation
    request: requests.PreparedRequest
    status: int
    text: str
    body: Any = None  # the JSON body sent, None when there was none or it was not JSON
    payload: Any = field(default=None)  # the decoded JSON answer, None when it is not JSON

    @property
    def query(self) -> dict[str, str]:
        """The query string as sent (last value wins for repeated names)."""
        return dict(parse_qsl(urlsplit(str(self.request.url)).query, keep_blank_values=True))

    @property
    def data(self) -> dict[str, Any]:
        """`data` of a success envelope, or {} when there is none."""
        if isinstance(self.payload, dict) and isinstance(self.payload.get("data"), dict):
            return self.payload["data"]
        return {}

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300

    def describe_answer(self, limit: int = 300) -> str:
        """`<status> <body>` shortened for a message."""
        text = self.text if len(self.text) <= limit else self.text[:limit] + "..."
        return f"{self.status} {text}".rstrip()


def decode_json(content: bytes | str | None) -> Any:
    """The JSON value of `content`, or None when it is empty or not JSON."""
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def exchange_from(
    operation: Operation, request: requests.PreparedRequest, status: int, content: bytes
) -> Exchange:
    """An Exchange from what went over the wire."""
    sent = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
    return Exchange(
        operation=operation,
        request=request,
        status=status,
        text=content.decode("utf-8", "replace"),
        body=decode_json(sent),
        payload=decode_json(content),
    )


def curl_command(request: requests.PreparedRequest, secret: str) -> str:
    """A curl line that sends `request` again; the secret is read from $GAMIFYHOST_API_SECRET."""
    parts = ["curl", "-X", str(request.method), shlex.quote(str(request.url))]
    for name, value in _headers(request.headers):
        if name.lower() == SECRET_HEADER.lower() and value == secret:
            parts += ["-H", f'"{SECRET_HEADER}: ${SECRET_VARIABLE}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.body
    if body:
        text = body.decode("utf-8", "backslashreplace") if isinstance(body, bytes) else str(body)
        parts += ["--data-raw", shlex.quote(text)]
    return mask(" ".join(parts), secret)


def _headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if name.lower() not in _NOISE_HEADERS]


def mask(text: str, secret: str) -> str:
    """`text` with every occurrence of the secret replaced: nothing the suite prints may carry it."""
    if not secret:
        return text
    return text.replace(secret, f"${SECRET_VARIABLE}")
