"""A client of a running mock's admin API (`/__mock/`), on the standard library alone."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

from ..contract.timestamps import format_timestamp, parse_timestamp

TOKEN_VARIABLE = "GAMIFYHOST_MOCK_ADMIN_TOKEN"
# Straight to the mock: a proxy from the environment must not see loopback admin calls.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AdminError(Exception):
    """The admin API answered with an error envelope (or with something else than JSON)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


class AdminClient:
    """Drives a mock through its admin API: reset it, read its journal, move its clock, revoke codes,
    add partners, change campaigns, revoke keys.

    `token` is the mock's admin token (`--admin-token`), sent as a bearer token; by default the
    one GAMIFYHOST_MOCK_ADMIN_TOKEN holds, if any, the variable the mock itself reads.
    """

    def __init__(self, base_url: str, timeout: float = 10.0, *, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token if token is not None else (os.environ.get(TOKEN_VARIABLE) or None)

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self) -> None:
        """Back to the fixtures: batches, codes, clock and journal as at start-up."""
        self._call("POST", "/reset")

    def requests(self) -> list[dict[str, Any]]:
        """The journal of the last requests to GamifyHost routes, oldest first."""
        return self._call("GET", "/requests")["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def clock(self) -> datetime:
        return parse_timestamp(self._call("GET", "/clock")["now"])

    def set_clock(self, instant: datetime | str) -> datetime:
        """Set the mock's now (a naive datetime is taken as UTC); returns the new now."""
        if isinstance(instant, datetime):
            instant = _instant(instant)
        return parse_timestamp(self._call("POST", "/clock", {"now": instant})["now"])

    def advance_clock(self, seconds: float) -> datetime:
        """Move the mock's now by `seconds` (back if negative); returns the new now."""
        return parse_timestamp(self._call("POST", "/clock", {"advanceSeconds": seconds})["now"])

    def revoke_code(self, code: str) -> None:
        self._call("POST", "/revoke", {"code": code})

    def revoke_batch(self, batch_id: str) -> None:
        self._call("POST", "/revoke", {"batchId": batch_id})

    def partners(self) -> list[dict[str, Any]]:
        """Every partner: its keys (never a secret), campaigns with their state, stats and newest batches."""
        return self._call("GET", "/partners")["partners"]

    def add_partner(self, partner: dict[str, Any]) -> dict[str, Any]:
        """Add a partner in the fixtures' format (secrets and ids may be left out); returns it as
        added, made-up secrets and ids included."""
        return self._call("POST", "/partners", partner)["partner"]

    def update_campaign(self, campaign_id: str, **changes: Any) -> dict[str, Any]:
        """Set a campaign's `status` ("draft", "active", "paused", "ended") and/or `ends_at`
        (a datetime, an RFC 3339 string or None); returns the campaign as it is now."""
        body: dict[str, Any] = {}
        if "status" in changes:
            body["status"] = changes.pop("status")
        if "ends_at" in changes:
            ends_at = changes.pop("ends_at")
            body["endsAt"] = _instant(ends_at) if isinstance(ends_at, datetime) else ends_at
        if changes:
            raise TypeError(f"update_campaign() takes status and ends_at, not {', '.join(changes)}")
        return self._call("PATCH", f"/campaigns/{urllib.parse.quote(campaign_id, safe='')}", body)["campaign"]

    def revoke_key(self, secret: str) -> None:
        """Every call with that secret is then `403 API key has been revoked`."""
        self._call("POST", "/keys/revoke", {"secret": secret})

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {} if data is None else {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(f"{self.base_url}/__mock{path}", data, headers, method=method)
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return json.loads(response.read())["data"]
        except urllib.error.HTTPError as error:
            message = _message(error.read())
            if error.code == 401:
                message += f" (pass the token to the client, or set {TOKEN_VARIABLE})"
            raise AdminError(error.code, message) from None


def _instant(moment: datetime) -> str:
    """RFC 3339, a naive datetime taken as UTC."""
    return format_timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _message(content: bytes) -> str:
    try:
        return str(json.loads(content)["message"])
    except (ValueError, KeyError, TypeError):
        return content.decode("utf-8", "replace")[:200]
