"""openapi.yaml read as a contract: what is documented, and what the mock merely decided.

The spec marks decided schema keywords with `x-mock-decision: {keywords: [...]}`, decided
responses with a plain `x-mock-decision`, and an operation whose whole contract is inferred
with `x-mock-decision: inferred` on the operation. A deployment may decide those differently,
so the schema given to schemathesis leaves the keywords out and lets any 4xx stand in for a
decided error status (every error status of an inferred operation); and a valid request the
contract does not promise to accept (none, for an inferred operation) may get a 4xx.
"""

from __future__ import annotations

import copy
import importlib.resources
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from .instants import parse_instant

DECISION = "x-mock-decision"
INFERRED = "inferred"  # the DECISION value of an operation of which only the path is documented
INT64 = range(-(2**63), 2**63)


def bundled_spec_path() -> Path:
    """openapi.yaml as shipped with the mock server package."""
    return Path(str(importlib.resources.files("mockserver").joinpath("openapi.yaml")))


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML whose timestamps stay strings, as the spec's examples mean them."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_format_checker = FormatChecker(formats=())
_format_checker.checks("date-time", raises=ValueError)(
    lambda value: not isinstance(value, str) or bool(parse_instant(value))
)
# Integers as a typical server reads them: JSON integers (not 2.0, not true) that fit in 64 bits.
_StrictValidator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {
            "integer": lambda _checker, value: type(value) is int and value in INT64,
            "number": lambda _checker, value: isinstance(value, int | float) and not isinstance(value, bool),
        }
    ),
)


def resolve_refs(node: Any, root: Mapping[str, Any]) -> Any:
    """A copy of `node` with every local `$ref` replaced by its target.

    The mock has a twin of this in mockserver/spec.py; the suite keeps its own on purpose, so
    that it reads the contract without any code of an implementation it may be judging.
    """
    if isinstance(node, list):
        return [resolve_refs(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return resolve_refs({**target, **{k: v for k, v in node.items() if k != "$ref"}}, root)
    return {key: resolve_refs(value, root) for key, value in node.items()}


def without_decided_keywords(node: Any) -> Any:
    """A copy of `node` without the schema keywords its `x-mock-decision` extensions list."""
    if isinstance(node, list):
        return [without_decided_keywords(item) for item in node]
    if not isinstance(node, dict):
        return node
    decision = node.get(DECISION)
    decided = set(decision.get("keywords", ())) if isinstance(decision, dict) else set()
    return {key: without_decided_keywords(value) for key, value in node.items() if key not in decided}


class Contract:
    """The spec document and the views of it the suite needs."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    @classmethod
    def load(cls, path: Path | None = None) -> Contract:
        with open(path or bundled_spec_path(), "rb") as stream:
            return cls(yaml.load(stream, Loader=_PlainLoader))

    def operation(self, operation_id: str) -> dict[str, Any]:
        """The operation's definition, references resolved, decided keywords kept."""
        return resolve_refs(self._operations[operation_id], self.document)

    @cached_property
    def _operations(self) -> dict[str, Any]:
        return {
            definition["operationId"]: definition
            for item in self.document["paths"].values()
            for definition in item.values()
            if isinstance(definition, dict) and "operationId" in definition
        }

    @cached_property
    def code_format(self) -> Mapping[str, Any]:
        """The documented shape of a code: prefix length and random length (`x-code-format`)."""
        return self.document["components"]["schemas"]["Code"]["x-code-format"]

    def for_schemathesis(self, operation_ids: set[str]) -> dict[str, Any]:
        """The document to fuzz with: only `operation_ids`, decided keywords out, decided statuses any 4xx."""
        document = without_decided_keywords(copy.deepcopy(dict(self.document)))
        for path, item in list(document["paths"].items()):
            for method, definition in list(item.items()):
                if not isinstance(definition, dict) or "operationId" not in definition:
                    continue
                if definition["operationId"] not in operation_ids:
                    del item[method]
                elif self._has_decided_error_status(definition):
                    definition["responses"].setdefault("4XX", _any_client_error())
            if not any(isinstance(value, dict) and "operationId" in value for value in item.values()):
                del document["paths"][path]
        return document

    def is_inferred(self, operation_id: str) -> bool:
        """Whether the spec marks the whole operation's contract as inferred rather than documented."""
        return self._operations[operation_id].get(DECISION) == INFERRED

    def _has_decided_error_status(self, definition: Mapping[str, Any]) -> bool:
        if definition.get(DECISION) == INFERRED:
            return True
        responses = resolve_refs(definition.get("responses", {}), self.document)
        return any(status.startswith("4") and DECISION in response for status, response in responses.items())

    def decided_reasons(self, operation_id: str, body: Any, query: Mapping[str, Any]) -> list[str]:
        """Why a valid request lies where the contract leaves acceptance open (empty: it must be accepted)."""
        definition = self.operation(operation_id)
        if definition.get(DECISION) == INFERRED:
            return ["the operation's whole contract is inferred"]
        reasons = list(self._body_reasons(definition, body))
        parameters = {p["name"]: p["schema"] for p in definition.get("parameters", ()) if p["in"] == "query"}
        for name, value in query.items():
            if name not in parameters:
                reasons.append(f"query parameter {name!r} is not in the contract")
            elif (error := _first_error(parameters[name], _typed(value, parameters[name]))) is not None:
                reasons.append(f"query parameter {name!r}: {error}")
        return reasons

    def _body_reasons(self, definition: Mapping[str, Any], body: Any) -> Iterator[str]:
        content = definition.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None or not isinstance(body, dict):
            return
        properties = content["schema"].get("properties", {})
        unknown = sorted(set(body) - set(properties))
        if unknown:
            # D4: unknown fields are ignored by the mock; another server may refuse them.
            yield f"body fields {unknown} are not in the contract"
        for name, value in body.items():
            if name in properties and (error := _first_error(properties[name], value)) is not None:
                yield f"body field {name!r}: {error}"
        expires_at = body.get("expiresAt")
        if isinstance(expires_at, str) and _is_past(expires_at):
            # D4: the mock accepts a past expiresAt; refusing one is as sane.
            yield "expiresAt is in the past"


def _first_error(schema: Mapping[str, Any], value: Any) -> str | None:
    error = next(_StrictValidator(schema, format_checker=_format_checker).iter_errors(value), None)
    return None if error is None else error.message


def _typed(value: Any, schema: Mapping[str, Any]) -> Any:
    """A query value as its schema types it (query strings carry integers as text)."""
    if schema.get("type") == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _is_past(text: str) -> bool:
    try:
        return parse_instant(text) <= datetime.now(UTC)
    except ValueError:
        return False


def _any_client_error() -> dict[str, Any]:
    return {
        "description": "Any client error: the contract leaves this status to the deployment.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
