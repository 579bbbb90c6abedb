"""One request and its answer, whoever sent it: the shape every source gives the judge.

An exchange knows nothing of the transport it came by: the active run, a HAR file and the proxy
each build one from what crossed the wire. It also renders itself for a report, as a curl line
that sends the request again and as text, every secret replaced by the variable that holds it.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from .operations import Operation, operation_of

SECRET_HEADER = "x-api-secret"
# Headers every client adds by itself; a reproduction reads better without them.
_NOISE_HEADERS = frozenset(
    {
        "user-agent", "accept", "accept-encoding", "connection", "content-length", "host",
        "x-schemathesis-testcaseid", "accept-language", "cache-control", "pragma", "origin",
        "referer", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-dest", "sec-ch-ua",
        "sec-ch-ua-mobile", "sec-ch-ua-platform",
    }
)  # fmt: skip
MAX_SHOWN_BODY = 2000
_SECRET_SHAPED = re.compile(r"\b([sp]k_(?:test|live)_)[A-Za-z0-9_]{4,}")
_SHALLOW = 100  # containers in a body the standard library's parser may read


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


@dataclass(frozen=True, eq=False)
class Exchange:
    """What was asked of the API and what came back, with when (seconds since the epoch)."""

    method: str
    url: str
    request_headers: Mapping[str, str]  # names in lower case
    request_body: bytes | None
    status: int
    response_headers: Mapping[str, str]  # names in lower case
    response_body: bytes
    started: float
    ended: float
    index: int = 0  # its place in its source: the n-th exchange of a HAR file, a proxy session, a run
    notes: Mapping[str, Any] = field(default_factory=dict)  # what its source knows of it

    @cached_property
    def path(self) -> str:
        return urlsplit(self.url).path

    @cached_property
    def operation(self) -> Operation | None:
        """The API operation it is one of; None for anything else (a page, an asset, the admin API)."""
        return operation_of(self.method, self.path)

    @cached_property
    def query(self) -> dict[str, str]:
        """The query string as sent (last value wins for repeated names)."""
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @cached_property
    def secret(self) -> str | None:
        return self.request_headers.get(SECRET_HEADER)

    @cached_property
    def body(self) -> Any:
        """The JSON body sent, None when there was none or it was not JSON."""
        return decode_json(self.request_body)

    @cached_property
    def payload(self) -> Any:
        """The decoded JSON answer, None when it is not JSON."""
        return decode_json(self.response_body)

    @cached_property
    def text(self) -> str:
        return self.response_body.decode("utf-8", "replace")

    @cached_property
    def data(self) -> dict[str, Any]:
        """`data` of a success envelope, or {} when there is none."""
        if isinstance(self.payload, dict) and isinstance(self.payload.get("data"), dict):
            return self.payload["data"]
        return {}

    @property
    def message(self) -> object:
        """`message` of an error envelope, None when there is none."""
        return self.payload.get("message") if isinstance(self.payload, dict) else None

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300

    @cached_property
    def sent(self) -> dict[str, Any]:
        """The JSON object sent, {} when the body was something else."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "").partition(";")[0].strip().lower()

    def describe_answer(self, limit: int = 300) -> str:
        """`<status> <body>` shortened for a message."""
        text = self.text if len(self.text) <= limit else self.text[:limit] + "..."
        return f"{self.status} {text}".rstrip()

    def curl(self, secrets: Mapping[str, str]) -> str:
        """A curl line that sends the request again; each secret is read from its variable."""
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self._shown_headers():
            variable = _variable_of(value, secrets) if name == SECRET_HEADER else None
            parts += ["-H", f'"X-API-Secret: ${variable}"' if variable else shlex.quote(f"{name}: {value}")]
        if self.request_body:
            parts += ["--data-raw", shlex.quote(self.request_body.decode("utf-8", "backslashreplace"))]
        return mask(" ".join(parts), secrets)

    def shown_request(self, secrets: Mapping[str, str]) -> str:
        """The request as text: request line, headers and body (shortened), secrets masked."""
        lines = [f"{self.method} {self.url}", *(f"{name}: {value}" for name, value in self._shown_headers())]
        if self.request_body:
            text = self.request_body.decode("utf-8", "backslashreplace")
            lines += ["", text if len(text) <= MAX_SHOWN_BODY else text[:MAX_SHOWN_BODY] + "..."]
        return mask("\n".join(lines), secrets)

    def shown_answer(self, secrets: Mapping[str, str]) -> str:
        text = self.text if len(self.text) <= MAX_SHOWN_BODY else self.text[:MAX_SHOWN_BODY] + "..."
        return mask(f"{self.status}\n{text}", secrets)

    def _shown_headers(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in self.request_headers.items() if name not in _NOISE_HEADERS]


def headers_of(pairs: Any) -> dict[str, str]:
    """Headers as the exchange keeps them: names in lower case, the first of repeated names."""
    found: dict[str, str] = {}
    for name, value in pairs.items() if isinstance(pairs, Mapping) else pairs:
        found.setdefault(str(name).lower(), str(value))
    return found


def _variable_of(value: str, secrets: Mapping[str, str]) -> str | None:
    return next((variable for variable, secret in secrets.items() if secret == value), None)


def mask(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every secret replaced by its variable, and whatever else looks like a secret
    (`sk_test_...`, `pk_live_...`) cut to its prefix: nothing the suite writes may carry one."""
    for variable, secret in secrets.items():
        if secret:
            text = text.replace(secret, f"${variable}")
    return _SECRET_SHAPED.sub(lambda found: found.group(1) + "****", text)
