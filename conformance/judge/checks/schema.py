"""The documented contract as schemas say it: statuses, answers' shapes, and which requests must be
taken or refused.

Each holds an exchange to the documented contract (contract.Documented: what documented rules
claim of openapi.yaml, and any other 4xx), never to the mock's decisions. Where the docs leave
an answer open, leniency.py says what a deployment may do.
"""

from __future__ import annotations

from ..contract import DocumentedOperation
from ..exchange import Exchange
from ..findings import Violation
from ..leniency import is_plain, taking_is_lenient
from ..memory import Memory
from ._registry import Answers, check

# Refusals that speak of the secret, the campaign, its state or the rate, not of the request's shape.
NOT_ABOUT_THE_REQUEST = frozenset({401, 403, 404, 409, 410, 429})
# Verify names no campaign and finds every code a verdict: only the secret and the rate may stop it.
NOT_ABOUT_A_VERIFY = frozenset({401, 403, 429})


def _documented(exchange: Exchange, memory: Memory) -> DocumentedOperation | None:
    operation = exchange.operation
    return None if operation is None else memory.documented.operations.get(operation.operation_id)


@check()
def not_a_server_error(exchange: Exchange, _memory: Memory) -> bool | None:
    """No answer is a 5xx: the docs document none, whatever a request holds."""
    if exchange.status >= 500:
        raise Violation(f"Expected no 5xx; received {exchange.describe_answer()}")
    return True


@check()
def status_code_conformance(exchange: Exchange, memory: Memory) -> bool | None:
    """The status is one the docs give the operation (200), or any 4xx; 5xx are not_a_server_error's."""
    documented = _documented(exchange, memory)
    if documented is None or exchange.status >= 500:
        return None
    if documented.answer_schema(exchange.status) is None:
        allowed = ", ".join(sorted(documented.statuses))
        raise Violation(f"Expected a status of {allowed}; received {exchange.describe_answer(120)}")
    return True


@check()
def response_schema_conformance(exchange: Exchange, memory: Memory) -> bool | None:
    """The answer has the documented shape of its status (the error envelope for any 4xx)."""
    documented = _documented(exchange, memory)
    found = None if documented is None else documented.answer_schema(exchange.status)
    if found is None or found[1] is None:
        return None
    key, schema = found
    if exchange.payload is None and not exchange.response_body.strip().startswith((b"{", b"[", b"null")):
        raise Violation(f"Expected a JSON answer of the {key} schema; received {exchange.describe_answer()}")
    error = memory.documented.error(schema, exchange.payload)
    if error is not None:
        place = "".join(f"[{part!r}]" for part in error.absolute_path) or "the answer"
        raise Violation(
            f"Expected the documented {key} answer; at {place}: {error.message}; "
            f"received {exchange.describe_answer()}"
        )
    return True


@check(answers=Answers.SUCCESS)
def negative_data_rejection(exchange: Exchange, memory: Memory) -> bool | None:
    """A request that breaks the documented schema, read as leniently as sane reading goes, is refused."""
    documented = _documented(exchange, memory)
    if documented is None or documented.inferred:
        return None
    if _keeps_schema(exchange, documented, memory):
        return True
    if taking_is_lenient(
        documented.operation_id,
        documented.body,
        documented.query,
        exchange.body,
        exchange.query,
        exchange.payload,
    ):
        return True  # the deployment read it one way the docs allow
    raise Violation(
        "Expected a 4xx for a request that breaks the documented schema, however leniently read; "
        f"received {exchange.describe_answer(200)}"
    )


@check()
def positive_data_acceptance(exchange: Exchange, memory: Memory) -> bool | None:
    """A plain request of the documented schema, for a campaign the secret reaches, is taken."""
    documented = _documented(exchange, memory)
    if documented is None or documented.inferred or exchange.status >= 500:
        return None
    spared = NOT_ABOUT_A_VERIFY if documented.operation_id == "verifyCode" else NOT_ABOUT_THE_REQUEST
    if exchange.status in spared or not memory.roles.usable(exchange.secret):
        return None
    if documented.body and not _sent_as_json(exchange):
        return None  # the docs require Content-Type: application/json; without it, any 4xx will do
    if not _keeps_schema(exchange, documented, memory) or not is_plain(
        documented.operation_id,
        exchange.body,
        exchange.query,
        lambda slug: memory.reaches(exchange.secret, slug),
        memory.target_now(exchange),
    ):
        return None
    if exchange.succeeded:
        return True
    raise Violation(
        "Expected a 2xx for a plain request of the documented schema, for a campaign this secret "
        f"reached before; received {exchange.describe_answer(200)}"
    )


def _sent_as_json(exchange: Exchange) -> bool:
    media = exchange.request_headers.get("content-type", "").partition(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _keeps_schema(exchange: Exchange, documented: DocumentedOperation, memory: Memory) -> bool:
    """Whether the request's body and query are valid under the documented schema."""
    if documented.body:
        if exchange.request_body is None or (
            exchange.body is None and exchange.request_body.strip() != b"null"
        ):
            return False
        if memory.documented.error(documented.body, exchange.body) is not None:
            return False
    for name, parameter in documented.query.items():
        if name not in exchange.query:
            if parameter["required"]:
                return False
            continue
        value: object = exchange.query[name]
        if parameter["schema"].get("type") == "integer":
            text = str(value)
            if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
                return False
            value = int(text)
        if memory.documented.error(parameter["schema"], value) is not None:
            return False
    return True
