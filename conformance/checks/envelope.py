"""Checks every operation shares: the error envelope."""

from __future__ import annotations

from ..exchange import Exchange
from ..ledger import Ledger
from ._registry import Answers, Violation, response_check


@response_check(answers=Answers.CLIENT_ERROR)
def error_envelope(exchange: Exchange, _ledger: Ledger) -> None:
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
