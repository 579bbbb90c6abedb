"""The admin API's bearer token (`--admin-token`): who may use `/__mock/` on a shared mock.

Every request under `/__mock/` must carry `Authorization: Bearer TOKEN`, except two that a
stranger learns nothing from: the dashboard's page, which arrives without data and asks for the
token, and `/__mock/health`, which says only whether the mock is healthy, so that a container's
probe needs no secret. docs/threat-model.md says why.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from starlette.types import Send

from .wire import error_envelope, send_json

# Open without the token; they answer less to a request without it.
OPEN_PATHS = frozenset({"/__mock/", "/__mock/health"})
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gamifyhost-mock admin API"'}
MISSING = "Unauthorized: the admin API needs the header Authorization: Bearer <the mock's admin token>"
WRONG = "Unauthorized: that is not the mock's admin token"


class AdminToken:
    """The token, kept as its digest: a guess is compared in constant time, whatever its length."""

    def __init__(self, token: str) -> None:
        if not token or not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
            raise ValueError(
                "the admin token must be printable ASCII with no spaces (openssl rand -hex 24 makes one)"
            )
        self._digest = hashlib.sha256(token.encode()).digest()

    def admits(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        return self.refusal(headers) is None

    def refusal(self, headers: Iterable[tuple[bytes, bytes]]) -> str | None:
        """Why a request with these (raw ASGI) headers may not use the admin API; None if it may."""
        value = next((value for name, value in headers if name == b"authorization"), None)
        if value is None:
            return MISSING
        scheme, _, credentials = value.strip().partition(b" ")
        if scheme.lower() != b"bearer" or not credentials.strip():
            return MISSING
        given = hashlib.sha256(credentials.strip()).digest()
        return None if hmac.compare_digest(given, self._digest) else WRONG

    @staticmethod
    def guards(path: str) -> bool:
        """Whether a request to `path` needs the token."""
        return path.startswith("/__mock") and path not in OPEN_PATHS

    @staticmethod
    async def refuse(send: Send, why: str) -> None:
        await send_json(send, 401, error_envelope(401, why), CHALLENGE)
