"""openapi.yaml, loaded once: its operations, and request validators compiled from its schemas.

Ranges, required fields and types live in the spec only. The messages of the errors come from
its `x-error-messages` extensions; the first failing property, in the schema's order, wins.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from ..domain.codes import CodeFormat
from ..domain.errors import INVALID_BODY, BadRequest
from .timestamps import parse_timestamp

SPEC_PATH = Path(__file__).parent.parent / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII | re.I)

format_checker = FormatChecker(formats=())
# A format speaks of strings only: other types are the `type` keyword's (null for no expiry).
format_checker.checks("date-time", raises=ValueError)(
    lambda value: not isinstance(value, str) or bool(parse_timestamp(value))
)
format_checker.checks("uuid")(lambda value: not isinstance(value, str) or bool(_UUID.fullmatch(value)))

# Request validation reads numbers as JSON Schema does: 2.0 is the integer 2 (D4).
SchemaValidator = Draft202012Validator

KNOWN_QUERIES = 4096  # the bound of each operation's memo of valid query strings
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,19}", re.ASCII)


def load_yaml(path: Path) -> Any:
    """The YAML document of a file; a file read before and unchanged since is not parsed again."""
    stat = os.stat(path)
    return copy.deepcopy(_parsed(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _parsed(path: str, _mtime_ns: int, _size: int) -> Any:
    # Parsing the spec costs ten times the copy: apps made one after another (tests) share it.
    with open(path, "rb") as stream:
        return yaml.load(stream, Loader=PlainLoader)


class PlainLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML whose timestamps stay strings, so they are checked like the API's own."""


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def resolve_refs(node: Any, root: Mapping[str, Any]) -> Any:
    """A copy of `node` with every local `$ref` replaced by what it points at."""
    if isinstance(node, list):
        return [resolve_refs(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return resolve_refs({**target, **siblings}, root)
    return {key: resolve_refs(value, root) for key, value in node.items()}


def error_message(schema: Mapping[str, Any], keyword: str, fallback: str = INVALID_BODY) -> str:
    messages = schema.get("x-error-messages", {})
    return messages.get(keyword, messages.get("default", fallback))


def fast_validator(schema: Mapping[str, Any]) -> Any:
    """The same schema compiled by jsonschema-rs: ~15x faster, used to pass valid input quickly."""
    formats = {"date-time": _is_date_time, "uuid": lambda value: bool(_UUID.fullmatch(value))}
    return jsonschema_rs.validator_for(schema, formats=formats, validate_formats=True)


def _is_date_time(value: str) -> bool:
    try:
        parse_timestamp(value)
    except ValueError:
        return False
    return True


class BodyValidator:
    """Checks a decoded JSON body against a request schema, property by property."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.required = set(schema.get("required", ()))
        self.fallback = error_message(schema, "default")
        properties = schema.get("properties", {})
        self.properties = {
            name: (subschema, SchemaValidator(subschema, format_checker=format_checker))
            for name, subschema in properties.items()
        }
        self.fast = fast_validator(schema)
        self.integers = tuple(name for name, sub in properties.items() if sub.get("type") == "integer")

    def validate(self, body: Any) -> Mapping[str, Any]:
        """The body if valid, its integral numbers as ints; else a 400 naming the first failing property."""
        if self.fast.is_valid(body):
            # JSON Schema reads 2.0 as the integer 2 (D4); the domain gets the int.
            for name in self.integers:
                if type(body.get(name)) is float:
                    body[name] = int(body[name])
            return body
        if not isinstance(body, dict):
            raise BadRequest(error_message(self.schema, "type"))
        for name, (subschema, validator) in self.properties.items():
            if name not in body:
                if name in self.required:
                    raise BadRequest(error_message(subschema, "required", self.fallback))
                continue
            error = next(validator.iter_errors(body[name]), None)
            if error is not None:
                raise BadRequest(error_message(subschema, str(error.validator), self.fallback))
        raise BadRequest(self.fallback)


class Parameter:
    """A query or path parameter: text in, the typed value its schema describes out."""

    def __init__(self, name: str, required: bool, schema: Mapping[str, Any]) -> None:
        self.name = name
        self.required = required
        self.schema = schema
        self.validator = SchemaValidator(schema, format_checker=format_checker)

    def read(self, values: list[str]) -> Any:
        """The parameter's typed value, its default when absent, or a 400."""
        if not values:
            if self.required:
                raise BadRequest(error_message(self.schema, "required"))
            return self.schema.get("default")
        if len(values) > 1:
            raise BadRequest(error_message(self.schema, "type"))
        text = values[0]
        value: Any = text
        if self.schema.get("type") == "integer":
            if not _INTEGER_TEXT.fullmatch(text):
                raise BadRequest(error_message(self.schema, "type"))
            value = int(text)
        error = next(self.validator.iter_errors(value), None)
        if error is not None:
            raise BadRequest(error_message(self.schema, str(error.validator)))
        return value


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    body: BodyValidator | None
    query: tuple[Parameter, ...]
    path_parameters: tuple[Parameter, ...]
    # Clients repeat the same few query strings: each valid one is parsed and checked once.
    _known_queries: dict[bytes, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    def read_query(self, query_string: bytes) -> dict[str, Any]:
        """The typed query parameters, or a 400; valid query strings are remembered (bounded)."""
        known = self._known_queries.get(query_string)
        if known is not None:
            return known
        values: dict[str, list[str]] = {}
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            values.setdefault(key, []).append(value)
        query = {param.name: param.read(values.get(param.name, [])) for param in self.query}
        if len(self._known_queries) < KNOWN_QUERIES:
            self._known_queries[query_string] = query
        return query

    def read_path(self, path_params: Mapping[str, str]) -> dict[str, Any]:
        return {param.name: param.read([path_params[param.name]]) for param in self.path_parameters}


class Spec:
    """The loaded contract: its raw document and what the server compiles from it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations: dict[str, Operation] = {}
        for path, item in document["paths"].items():
            for method in HTTP_METHODS:
                if method in item:
                    operation = self._compile(path, method, resolve_refs(item[method], document))
                    self.operations[operation.operation_id] = operation

    def schema(self, name: str) -> dict[str, Any]:
        """A component schema with its references resolved."""
        return resolve_refs(self.document["components"]["schemas"][name], self.document)

    @cached_property
    def code_format(self) -> CodeFormat:
        described = self.document["components"]["schemas"]["Code"]["x-code-format"]
        return CodeFormat(
            prefix_length=described["prefixLength"],
            random_length=described["randomLength"],
            alphabet=described["alphabet"],
        )

    @staticmethod
    def _compile(path: str, method: str, operation: Mapping[str, Any]) -> Operation:
        body = None
        if "requestBody" in operation:
            body = BodyValidator(operation["requestBody"]["content"]["application/json"]["schema"])
        unsupported = [p["name"] for p in operation.get("parameters", ()) if p["in"] not in ("query", "path")]
        if unsupported:
            raise ValueError(f"{method.upper()} {path}: unsupported parameters {unsupported}")
        parameters = {
            where: tuple(
                Parameter(p["name"], p.get("required", False), p["schema"])
                for p in operation.get("parameters", ())
                if p["in"] == where
            )
            for where in ("query", "path")
        }
        return Operation(
            operation["operationId"], method.upper(), path, body, parameters["query"], parameters["path"]
        )


def load_spec(path: Path = SPEC_PATH) -> Spec:
    """The spec of a file, compiled; the same object while the file stays unchanged (it is read-only)."""
    stat = os.stat(path)
    return _compiled(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _compiled(path: str, _mtime_ns: int, _size: int) -> Spec:
    return Spec(load_yaml(Path(path)))
