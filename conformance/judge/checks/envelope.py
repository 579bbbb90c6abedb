"""What every answer of the API is: JSON; an error, in the error envelope (a success's envelope is
its schema's to judge, schema.py)."""

from __future__ import annotations

from ..exchange import Exchange
from ..findings import Violation
from ..memory import Memory
from ._registry import Answers, check

JSON = "application/json"


@check()
def content_type_conformance(exchange: Exchange, _memory: Memory) -> bool | None:
    """A success or a client error is sent as JSON (the docs show a JSON body for every answer)."""
    if not (exchange.succeeded or 400 <= exchange.status < 500) or not exchange.response_body:
        return None
    if exchange.content_type != JSON and not exchange.content_type.endswith("+json"):
        raise Violation(
            f"Expected Content-Type {JSON}; received {exchange.response_headers.get('content-type')!r}"
        )
    return True


@check(answers=Answers.CLIENT_ERROR)
def error_envelope(exchange: Exchange, _memory: Memory) -> bool | None:
    """A 4xx carries `{"status": "error", "code": <its HTTP status>, "message": <text>}`."""
    payload = exchange.payload
    if not isinstance(payload, dict):
        raise Violation(
            "Expected the JSON error envelope {status: error, code, message}; "
            f"received {exchange.describe_answer()}"
        )
    problems = []
    if payload.get("status") != "error":
        problems.append(f'status {payload.get("status")!r} instead of "error"')
    if payload.get("code") != exchange.status or isinstance(payload.get("code"), bool):
        problems.append(f"code {payload.get('code')!r} instead of {exchange.status}")
    message = payload.get("message")
    if not isinstance(message, str) or not message.strip():
        problems.append(f"message {message!r} instead of a text")
    if problems:
        raise Violation(
            f"Expected the error envelope; received {'; '.join(problems)}: {exchange.describe_answer()}"
        )
    return True
