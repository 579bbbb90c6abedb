"""The one error type of the mock: a status and a message, rendered as the D1 envelope.

ApiError
├── BadRequest           400  Invalid request body (or a documented validation message)
├── Unauthorized         401  Missing X-API-Secret header / Invalid API key
├── Forbidden            403  API key has been revoked / Application is not active
├── NotFound             404  Campaign not found / unknown route
├── MethodNotAllowed     405  the route exists, the method does not
├── PayloadTooLarge      413  a body above the size limit
├── UnsupportedMediaType 415  a body not sent as application/json
├── ServiceUnavailable   503  injected by --error-rate, or the store failed (ports.StoreUnavailable)
└── InjectedError        any  the status a request asked for with `Prefer: code=NNN`
"""

from __future__ import annotations

from http import HTTPStatus

INVALID_BODY = "Invalid request body"
CAMPAIGN_NOT_FOUND = "Campaign not found"
CODE_NOT_FOUND = "Code not found"


class ApiError(Exception):
    """An error the API answers with: `{"status": "error", "code": status, "message": ...}`."""

    status = 500

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class ServiceUnavailable(ApiError):
    status = 503


class InjectedError(ApiError):
    """The error status a request asked for with `Prefer: code=NNN`, with its reason phrase."""

    def __init__(self, status: int) -> None:
        super().__init__(reason_phrase(status))
        self.status = status


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client error" if status < 500 else "Server error"
