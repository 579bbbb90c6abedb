"""Where a deployment may answer otherwise than the mock: the answers the docs leave to it.

Schemathesis holds a target to the schema both ways: a request that breaks it must be refused
(negative_data_rejection), and one that keeps it must be taken (positive_data_acceptance). The
docs promise less than either:

- A deployment may read a request leniently: ignore a field it does not know, take null or an
  invalid optional field as absent, read "5", 5.0 or true where an integer is due and 5 where a
  string is. Taking a request that breaks the schema is a violation only when no such reading of
  it is valid (a batch of 0 codes, a missing slug). Verify answers every code with a verdict, so
  for it a 200 of valid false is a refusal too.
- A deployment may set limits the docs do not give (a longest label, a largest pointsValue, no
  expiry in the past, a largest page). Refusing a request that keeps the schema is a violation
  only when the request is plain: every value ordinary, well inside anything a sane limit would
  be, for a campaign the secret is known to reach.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from .instants import parse_instant

# The ordinary values a deployment must take (and within which it may set no limit of its own).
PLAIN_POINTS = range(1, 10_001)
LARGEST_BATCH = 10_000  # the generate page: batchSize is 1 to 10,000
PLAIN_LABEL = re.compile(r"[ -~]{1,50}", re.ASCII)  # printable ASCII, 1 to 50 characters
PLAIN_CODE = re.compile(r"[ -~]{1,40}", re.ASCII)
PLAIN_PAGE, PLAIN_LIMIT = range(1, 101), range(1, 21)  # the docs' default limit is 20
PLAIN_EXPIRY = (timedelta(days=1), timedelta(days=5 * 365))  # from now
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(\.0*)?([eE]\+?[0-9]+)?")

_formats = FormatChecker(formats=())
_formats.checks("date-time", raises=ValueError)(
    lambda value: not isinstance(value, str) or bool(parse_instant(value))
)


def _coerced(value: Any, schema: Mapping[str, Any]) -> Any:
    """`value` as a lax server reads it for a field of `schema`'s type (unchanged when it cannot)."""
    kind = schema.get("type")
    if kind == "integer":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
            number = float(value.strip())
            return int(number) if number.is_integer() else value
    if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _valid(schema: Mapping[str, Any], value: Any) -> bool:
    return next(Draft202012Validator(schema, format_checker=_formats).iter_errors(value), None) is None


def readable_body(schema: Mapping[str, Any], body: Any) -> bool:
    """Whether a lenient reading of `body` is valid: its required fields, read laxly, and nothing else."""
    if not schema:
        return True
    if not isinstance(body, dict):
        return False
    properties = schema.get("properties", {})
    reading = {}
    for name in schema.get("required", ()):
        if name not in body or body[name] is None:
            return False
        reading[name] = _coerced(body[name], properties.get(name, {}))
    return _valid(schema, reading)


def readable_query(parameters: Mapping[str, Mapping[str, Any]], query: Mapping[str, Any]) -> bool:
    """Whether a lenient reading of a query is valid: required parameters read laxly, others default."""
    for name, parameter in parameters.items():
        if not parameter["required"]:
            continue
        if name not in query:
            return False
        if not _valid(parameter["schema"], _coerced(query[name], parameter["schema"])):
            return False
    return True


def taking_is_lenient(
    operation_id: str,
    body_schema: Mapping[str, Any],
    parameters: Mapping[str, Mapping[str, Any]],
    body: Any,
    query: Mapping[str, Any] | None,
    answer: Any,
) -> bool:
    """Whether a 2xx to a request that breaks the documented schema is a lenient reading of it."""
    if operation_id == "verifyCode" and isinstance(answer, dict):
        data = answer.get("data")
        if isinstance(data, dict) and data.get("valid") is False:
            return True  # a verdict of not valid is verify's refusal
    return readable_body(body_schema, body) and readable_query(parameters, query or {})


def is_plain(
    operation_id: str,
    body: Any,
    query: Mapping[str, Any] | None,
    reached: Callable[[object], bool],
    now: datetime | None = None,
) -> bool:
    """Whether a request that keeps the schema is one no sane limit refuses: its refusal is a violation.

    `reached(slug)` says whether the secret is known to reach that campaign (it answered a 2xx
    for it before); `now` is the target's clock, when known.
    """
    query = dict(query or {})
    if operation_id == "generateCodes":
        return _plain_generate(body, reached, now or datetime.now(UTC)) and not query
    if operation_id == "verifyCode":
        return (
            isinstance(body, dict)
            and set(body) == {"code"}
            and _matches(PLAIN_CODE, body["code"])
            and not query
        )
    if operation_id in ("listCodeBatches", "getCodeStats"):
        allowed = {"slug", "page", "limit"} if operation_id == "listCodeBatches" else {"slug"}
        return (
            set(query) <= allowed
            and reached(query.get("slug"))
            and _plain_number(query.get("page", "1"), PLAIN_PAGE)
            and _plain_number(query.get("limit", "20"), PLAIN_LIMIT)
        )
    return False  # an inferred operation promises nothing


def _plain_generate(body: Any, reached: Callable[[object], bool], now: datetime) -> bool:
    if not isinstance(body, dict) or not set(body) <= {
        "slug",
        "batchSize",
        "pointsValue",
        "label",
        "expiresAt",
    }:
        return False
    size, points = body.get("batchSize"), body.get("pointsValue")
    return (
        reached(body.get("slug"))
        and type(size) is int
        and 1 <= size <= LARGEST_BATCH
        and type(points) is int
        and points in PLAIN_POINTS
        and ("label" not in body or _matches(PLAIN_LABEL, body["label"]))
        and ("expiresAt" not in body or _plain_expiry(body["expiresAt"], now))
    )


def _plain_expiry(value: Any, now: datetime) -> bool:
    try:
        moment = parse_instant(value)
    except ValueError:
        return False
    ahead = moment - now
    return PLAIN_EXPIRY[0] <= ahead <= PLAIN_EXPIRY[1]


def _plain_number(value: Any, allowed: range) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) in allowed


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None
