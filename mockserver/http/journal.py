"""The request journal: the last requests to the GamifyHost routes, for `GET /__mock/requests`.

Bodies are not kept (verify and redeem carry codes, which the mock only ever holds as digests).
The `X-API-Secret` is masked wherever an entry is shown, as is anything shaped like a secret that
a client put in the path or the query string. A request is recorded as it came, and masked when
the journal is read: recording is on every request's path, reading is a person's look at a page.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import unquote

from starlette.types import Scope

from ..contract.timestamps import format_timestamp

JOURNAL_SIZE = 1000
# The mock's own surface is not journalled: the journal shows what the code under test sent.
OWN_PATHS = ("/__mock/", "/docs", "/openapi.yaml")
_SECRET_PREFIXES = frozenset({"sk_test_", "sk_live_", "pk_test_", "pk_live_"})
# A key in a URL or a log line, its underscores perhaps percent-encoded; any case, to catch near misses.
_SECRET_IN_TEXT = re.compile(r"[sp]k(?:_|%5f)(?:test|live)(?:_|%5f)[A-Za-z0-9_%]+", re.ASCII | re.IGNORECASE)


def mask_secret(secret: str) -> str:
    """`sk_test_****cret`: the environment prefix and, of a long enough secret, its last 4 characters."""
    prefix = secret[:8] if secret[:8] in _SECRET_PREFIXES else ""
    rest = secret[len(prefix) :]
    return prefix + "****" + (rest[-4:] if len(rest) >= 12 else "")


def mask_secrets_in(text: str) -> str:
    """`text` with every secret-shaped part masked, also where percent-encoding hides one."""
    if "%" not in text and "k_" not in text and "K_" not in text:  # the usual case: nothing to mask
        return text
    masked = _SECRET_IN_TEXT.sub(_masked, text)
    decoded = masked
    for _ in range(3):  # encoded once, twice, three times
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
        if _SECRET_IN_TEXT.search(decoded):  # then the decoded text is shown, masked
            return _SECRET_IN_TEXT.sub(_masked, decoded)
    return masked


def _masked(found: re.Match[str]) -> str:
    return mask_secret(found.group())


class JournalEntry(NamedTuple):
    id: int
    time: float  # the mock's clock, in seconds since the epoch
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    api_secret: str | None  # masked

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": format_timestamp(datetime.fromtimestamp(math.floor(self.time), UTC)),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "durationMs": round(self.duration_ms, 1),
            "apiSecret": self.api_secret,
        }


def _shown(
    id: int,
    time: float,
    method: str,
    path: str,
    query: bytes,
    status: int,
    duration_ms: float,
    headers: list[tuple[bytes, bytes]],
) -> JournalEntry:
    secret = next((value for name, value in headers if name == b"x-api-secret"), None)
    return JournalEntry(
        id,
        time,
        method,
        mask_secrets_in(path),
        mask_secrets_in(query.decode("latin-1")),
        status,
        duration_ms,
        None if secret is None else mask_secret(secret.decode("latin-1")),
    )


class Journal:
    """The last `size` requests, oldest first; recording one costs O(1)."""

    def __init__(self, now: Callable[[], float], size: int = JOURNAL_SIZE) -> None:
        self._now = now  # the mock's clock, in seconds since the epoch
        # Plain tuples, made entries when read: a named tuple's constructor runs Python code.
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=size)
        self._ids = itertools.count(1)

    def record(self, scope: Scope, status: int, duration_ms: float) -> None:
        self._entries.append(
            (
                next(self._ids),
                self._now(),
                scope["method"],
                scope["path"],
                scope["query_string"],
                status,
                duration_ms,
                scope["headers"],
            )
        )

    def entries(self) -> list[JournalEntry]:
        """The entries, oldest first, their secrets masked."""
        return [_shown(*entry) for entry in self._entries]

    def clear(self) -> None:
        self._entries.clear()
