"""One request and its answer, as the checks see them, and the curl line that replays it."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import requests

from .operations import Operation

SECRET_HEADER = "X-API-Secret"
# Who a request was sent as: the secret it carried, by the input that gave it.
CONFIGURED = "api"
NO_SECRET = "none"
UNKNOWN_SECRET = "unknown"
# Headers every client adds by itself; a reproduction reads better without them.
_NOISE_HEADERS = frozenset(
    {"user-agent", "accept", "accept-encoding", "connection", "content-length", "x-schemathesis-testcaseid"}
)
MAX_SHOWN_BODY = 2000
_SHALLOW = 100  # containers in a body the standard library's parser may read


@dataclass(frozen=True)
class Exchange:
    """What was asked of an operation, as whom, and what came back."""

    operation: Operation
    request: requests.PreparedRequest
    status: int
    text: str
    body: Any = None  # the JSON body sent, None when there was none or it was not JSON
    payload: Any = field(default=None)  # the decoded JSON answer, None when it is not JSON
    identity: str = CONFIGURED  # whose secret it carried (see Identities)

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

    @property
    def sent_as_configured(self) -> bool:
        return self.identity == CONFIGURED

    def describe_answer(self, limit: int = 300) -> str:
        """`<status> <body>` shortened for a message."""
        text = self.text if len(self.text) <= limit else self.text[:limit] + "..."
        return f"{self.status} {text}".rstrip()


class Identities:
    """Names the secret a request carried after the input that gave it (`api` for --api-secret)."""

    def __init__(self, secrets: Mapping[str, str | None]) -> None:
        self._by_secret = {secret: name for name, secret in secrets.items() if secret}

    def of(self, request: requests.PreparedRequest) -> str:
        secret = request.headers.get(SECRET_HEADER)
        if secret is None:
            return NO_SECRET
        return self._by_secret.get(secret, UNKNOWN_SECRET)


def decode_json(content: bytes | str | None) -> Any:
    """The JSON value of `content`, or None when it is empty, not JSON, or nested too deep.

    orjson first: its depth limit costs no Python recursion. The standard library's parser
    recurses in C on the interpreter's recursion counter, and a garbage collection callback run
    at the limit aborts the whole process ("Cannot recover from stack overflow"); it only reads
    what orjson refuses for lone surrogates, in a body too shallow for that.
    """
    if not content:
        return None
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        if "surrogate" not in str(error) or raw.count(b"[") + raw.count(b"{") > _SHALLOW:
            return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def exchange_from(
    operation: Operation,
    request: requests.PreparedRequest,
    status: int,
    content: bytes,
    identity: str = CONFIGURED,
) -> Exchange:
    """An Exchange from what went over the wire."""
    return Exchange(
        operation=operation,
        request=request,
        status=status,
        text=content.decode("utf-8", "replace"),
        body=decode_json(sent_body(request)),
        payload=decode_json(content),
        identity=identity,
    )


def sent_body(request: requests.PreparedRequest) -> bytes | None:
    body = request.body
    return body.encode("utf-8") if isinstance(body, str) else body


def curl_command(request: requests.PreparedRequest, secrets: Mapping[str, str]) -> str:
    """A curl line that sends `request` again; each secret is read from its environment variable."""
    parts = ["curl", "-X", str(request.method), shlex.quote(str(request.url))]
    for name, value in _headers(request.headers):
        if name.lower() == SECRET_HEADER.lower() and value in secrets.values():
            variable = next(variable for variable, secret in secrets.items() if secret == value)
            parts += ["-H", f'"{SECRET_HEADER}: ${variable}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = sent_body(request)
    if body:
        text = body.decode("utf-8", "backslashreplace")
        parts += ["--data-raw", shlex.quote(text)]
    return mask(" ".join(parts), secrets)


def shown_request(request: requests.PreparedRequest, secrets: Mapping[str, str]) -> str:
    """The request as text for a report: request line, headers and body (shortened), secrets masked."""
    lines = [f"{request.method} {request.url}"]
    lines += [f"{name}: {value}" for name, value in _headers(request.headers)]
    body = sent_body(request)
    if body:
        text = body.decode("utf-8", "backslashreplace")
        lines += ["", text if len(text) <= MAX_SHOWN_BODY else text[:MAX_SHOWN_BODY] + "..."]
    return mask("\n".join(lines), secrets)


def _headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if name.lower() not in _NOISE_HEADERS]


def mask(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every secret replaced by its variable: nothing the suite writes may carry one."""
    for variable, secret in secrets.items():
        if secret:
            text = text.replace(secret, f"${variable}")
    return text
