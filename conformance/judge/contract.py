"""openapi.yaml read as a contract: which of its parts are documented, and the documented schema.

`classify()` walks every schema keyword and response status an operation reaches, and says of
each whether the spec marks it decided (`x-mock-decision`, beside the keyword: the keyword as a
whole, or some of its entries), inferred (an operation marked `x-mock-decision: inferred`), or
leaves it documented. `Contract.documented(claims)` keeps of the document what documented rules
of the catalogue claim (rules.py), and nothing else, plus any other 4xx for every operation, the
deployment's choice where the docs give none: schemathesis generates requests from it, and
`Documented` compiles it for the judge's checks of schemas and statuses.
"""

from __future__ import annotations

import copy
import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from .instants import parse_instant

DECISION = "x-mock-decision"
INFERRED = "inferred"  # the DECISION value of an operation of which only the path is documented
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords that constrain a value. `properties`, `items`, `allOf` and `$ref` only hold schemas.
CONSTRAINTS = frozenset(
    {
        "type", "enum", "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
        "uniqueItems", "minProperties", "maxProperties", "required", "additionalProperties",
        "oneOf", "anyOf", "not",
    }
)  # fmt: skip
SCHEMAS = "#/components/schemas/"
Claims = Mapping[str, Mapping[str, set[str]]]
RESPONSES = "#/components/responses/"


def bundled_spec_path() -> Path:
    """openapi.yaml as shipped with the mock server package."""
    return Path(str(importlib.resources.files("mockserver").joinpath("openapi.yaml")))


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML whose timestamps stay strings, as the spec's examples mean them."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def resolve_refs(node: Any, root: Mapping[str, Any]) -> Any:
    """A copy of `node` with every local `$ref` replaced by its target.

    The mock has a twin of this in mockserver/contract/spec.py; the suite keeps its own on purpose, so
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


@dataclass(frozen=True)
class Part:
    """A keyword of a schema, or a response status, and how the spec classifies it."""

    kind: str  # schema, parameter or status, as in rules.Claim
    where: str
    keyword: str  # "" for a status
    decided: str | None  # why it is decided or inferred; None: documented


def _decisions(node: Mapping[str, Any]) -> list[Any]:
    """The decisions a node carries: one marker, or a list of them."""
    decision = node.get(DECISION)
    if decision is None:
        return []
    return list(decision) if isinstance(decision, list) else [decision]


def _decided_keywords(node: Mapping[str, Any]) -> dict[str, str]:
    """Keywords decided as a whole: keyword -> why."""
    return {
        keyword: str(decision.get("why", DECISION))
        for decision in _decisions(node)
        if isinstance(decision, dict)
        for keyword in decision.get("keywords", ())
    }


def decided_entries(node: Mapping[str, Any]) -> dict[str, dict[Any, str]]:
    """Entries of a keyword decided one by one (`required: [label]`): keyword -> {entry: why}."""
    found: dict[str, dict[Any, str]] = {}
    for decision in _decisions(node):
        if isinstance(decision, dict):
            for keyword, entries in decision.get("entries", {}).items():
                for entry in entries:
                    found.setdefault(keyword, {})[entry] = str(decision.get("why", DECISION))
    return found


def _decides_whole(node: Mapping[str, Any]) -> str | None:
    """Why the whole node (a response, an operation) is decided: a marker that is only a reason."""
    decisions = _decisions(node)
    if len(decisions) == 1 and isinstance(decisions[0], str):
        return decisions[0]
    return None


class Contract:
    """The spec document and the views of it the suite needs."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    @classmethod
    def load(cls, path: Path | None = None) -> Contract:
        with open(path or bundled_spec_path(), "rb") as stream:
            return cls(yaml.load(stream, Loader=_PlainLoader))

    @cached_property
    def operations(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """operationId -> (path, method, definition)."""
        return {
            definition["operationId"]: (path, method, definition)
            for path, item in self.document["paths"].items()
            for method, definition in item.items()
            if method in HTTP_METHODS
        }

    def is_inferred(self, operation_id: str) -> bool:
        return self.operations[operation_id][2].get(DECISION) == INFERRED

    @cached_property
    def code_format(self) -> Mapping[str, Any]:
        """The shape of a code the spec describes (`x-code-format`)."""
        return self.document["components"]["schemas"]["Code"]["x-code-format"]

    # -- classification --------------------------------------------------------------------

    def classify(self) -> list[Part]:
        """Every keyword and status an operation reaches, once per place, the most binding reading first.

        A component reached both from documented and from decided places (Code, from generate
        and from redeem) counts as documented: the schema given to schemathesis holds it.
        """
        parts: dict[tuple[str, str, str], Part] = {}

        def note(part: Part) -> None:
            known = parts.get((part.kind, part.where, part.keyword))
            if known is None or (known.decided is not None and part.decided is None):
                parts[(part.kind, part.where, part.keyword)] = part

        walked: set[tuple[str, str | None]] = set()
        pending: list[tuple[str, str | None]] = []

        def walk(node: Any, kind: str, where: str, decided: str | None) -> None:
            if not isinstance(node, dict):
                return
            if "$ref" in node:
                if node["$ref"].startswith(SCHEMAS):
                    pending.append((node["$ref"].removeprefix(SCHEMAS), decided))
                return
            keyword_decisions = _decided_keywords(node)
            for keyword in node:
                if keyword in CONSTRAINTS:
                    note(Part(kind, where, keyword, decided or keyword_decisions.get(keyword)))
            for keyword, entries in decided_entries(node).items():
                for entry, why in entries.items():
                    note(Part(kind, where, f"{keyword}[{entry}]", decided or why))
            for name, sub in node.get("properties", {}).items():
                walk(sub, kind, f"{where}/properties/{name}", decided)
            if "items" in node:
                walk(node["items"], kind, f"{where}/items", decided)
            for keyword in ("oneOf", "anyOf", "allOf"):
                for index, sub in enumerate(node.get(keyword, ())):
                    walk(sub, kind, f"{where}/{keyword}/{index}", decided)

        for operation_id, (_path, _method, definition) in self.operations.items():
            inferred = f"{operation_id}: {INFERRED}" if definition.get(DECISION) == INFERRED else None
            for parameter in definition.get("parameters", ()):
                where = f"{operation_id} {parameter['name']}"
                if parameter.get("required"):
                    note(Part("parameter", where, "required", inferred))
                walk(parameter["schema"], "parameter", where, inferred)
            body = definition.get("requestBody", {}).get("content", {}).get("application/json", {})
            walk(body.get("schema", {}), "schema", operation_id, inferred)
            for code, response in definition["responses"].items():
                where = f"{operation_id} {code}"
                if "$ref" in response:  # a shared response says for itself whether it is decided
                    response = self.document["components"]["responses"][
                        response["$ref"].removeprefix(RESPONSES)
                    ]
                    why = _decides_whole(response)
                else:
                    why = inferred or _decides_whole(response)
                note(Part("status", where, "", why))
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                walk(schema, "schema", where, why)
        while pending:
            name, decided = pending.pop()
            if (name, decided) not in walked:
                walked.add((name, decided))
                walk(self.document["components"]["schemas"][name], "schema", name, decided)
        return sorted(parts.values(), key=lambda part: (part.kind, part.where, part.keyword))

    # -- the documented contract: what schemathesis and the judge work from -----------------

    def documented(self, operation_ids: set[str], claims: Claims) -> dict[str, Any]:
        """The documented contract of `operation_ids`: claimed keywords and statuses, any other 4xx.

        `claims` are what documented rules claim, by kind: {"schema": {where: {keyword}}, ...}.
        """
        document = copy.deepcopy(dict(self.document))
        schemas, parameters, statuses = claims["schema"], claims["parameter"], claims["status"]
        for name, node in document["components"]["schemas"].items():
            _keep_claimed(node, name, schemas)
        for path, item in list(document["paths"].items()):
            for method, definition in list(item.items()):
                if method not in HTTP_METHODS:
                    continue
                operation_id = definition["operationId"]
                if operation_id not in operation_ids:
                    del item[method]
                    continue
                inferred = definition.get(DECISION) == INFERRED
                for parameter in definition.get("parameters", ()):
                    where = f"{operation_id} {parameter['name']}"
                    if not inferred:
                        _keep_claimed(parameter["schema"], where, parameters)
                    parameter["required"] = parameter["in"] == "path" or "required" in parameters.get(
                        where, ()
                    )
                if inferred:  # only its path is documented: any JSON body, any answer
                    definition["requestBody"]["content"]["application/json"] = {"schema": {}}
                definition["responses"] = {
                    **{
                        code: _without_links(response)
                        for code, response in definition["responses"].items()
                        if f"{operation_id} {code}" in statuses
                    },
                    **({"2XX": {"description": "Any success: the answer is inferred."}} if inferred else {}),
                    "4XX": {
                        "description": "Any other client error: the docs leave the status to the deployment.",
                        "content": {"application/json": {"schema": {"$ref": f"{SCHEMAS}Error"}}},
                    },
                }
            if not any(method in HTTP_METHODS for method in item):
                del document["paths"][path]
        return document

    def request_schema(self, document: Mapping[str, Any], operation_id: str) -> dict[str, Any]:
        """An operation's JSON body schema in `document`, references resolved ({} when it has none)."""
        for item in document["paths"].values():
            for method, definition in item.items():
                if method in HTTP_METHODS and definition["operationId"] == operation_id:
                    content = definition.get("requestBody", {}).get("content", {}).get("application/json", {})
                    return resolve_refs(content.get("schema", {}), document)
        return {}

    def query_parameters(self, document: Mapping[str, Any], operation_id: str) -> dict[str, dict[str, Any]]:
        """An operation's query parameters in `document`: name -> {required, schema}."""
        for item in document["paths"].values():
            for method, definition in item.items():
                if method in HTTP_METHODS and definition["operationId"] == operation_id:
                    return {
                        p["name"]: {"required": p.get("required", False), "schema": p["schema"]}
                        for p in resolve_refs(definition.get("parameters", []), document)
                        if p["in"] == "query"
                    }
        return {}


def _keep_claimed(node: Any, where: str, claims: Mapping[str, set[str]]) -> None:
    """Strip, in place, every constraint keyword of `node`'s tree no documented rule claims."""
    if not isinstance(node, dict) or "$ref" in node:
        return
    for keyword in [keyword for keyword in node if keyword in CONSTRAINTS]:
        if keyword not in claims.get(where, ()):
            del node[keyword]
    for keyword, entries in decided_entries(node).items():  # decided entries go, the rest stays
        if isinstance(node.get(keyword), list):
            node[keyword] = [entry for entry in node[keyword] if entry not in entries]
            if not node[keyword]:
                del node[keyword]
    node.pop(DECISION, None)
    for name, sub in node.get("properties", {}).items():
        _keep_claimed(sub, f"{where}/properties/{name}", claims)
    if "items" in node:
        _keep_claimed(node["items"], f"{where}/items", claims)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for index, sub in enumerate(node.get(keyword, ())):
            _keep_claimed(sub, f"{where}/{keyword}/{index}", claims)


def _without_links(response: Mapping[str, Any]) -> dict[str, Any]:
    # Links lead stateful runs, which the suite does not make; some lead to operations left out.
    return {key: value for key, value in response.items() if key != "links"}


# -- the documented contract, compiled for the judge -------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(
    lambda value: not isinstance(value, str) or bool(parse_instant(value))
)
FORMATS.checks("uuid")(lambda value: not isinstance(value, str) or bool(_UUID.fullmatch(value)))
FORMATS.checks("uri")(
    lambda value: not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)
)


def _is_instant(value: str) -> bool:
    try:
        return bool(parse_instant(value))
    except ValueError:
        return False


# The same formats for jsonschema-rs, which calls them with strings only.
FAST_FORMATS = {
    "date-time": _is_instant,
    "uuid": lambda value: bool(_UUID.fullmatch(value)),
    "uri": lambda value: bool(urlsplit(value).scheme and urlsplit(value).netloc),
}


@dataclass(frozen=True)
class DocumentedOperation:
    """One operation of the documented contract: its request and the answers it may give."""

    operation_id: str
    inferred: bool
    body: dict[str, Any]  # the JSON body's schema, references resolved ({}: any)
    query: dict[str, dict[str, Any]]  # name -> {required, schema}
    statuses: dict[str, dict[str, Any] | None]  # "200", "4XX", ... -> the answer's schema (None: any)

    def answer_schema(self, status: int) -> tuple[str, dict[str, Any] | None] | None:
        """(the status key, the schema) of an answer; None when the contract has no such status."""
        for key in (str(status), f"{status // 100}XX"):
            if key in self.statuses:
                return key, self.statuses[key]
        return None


class Documented:
    """The documented contract as the judge holds answers to it, compiled once."""

    def __init__(self, contract: Contract, claims: Claims) -> None:
        self.document = contract.documented(set(contract.operations), claims)
        self.operations: dict[str, DocumentedOperation] = {}
        for item in self.document["paths"].values():
            for method, definition in item.items():
                if method not in HTTP_METHODS:
                    continue
                operation_id = definition["operationId"]
                statuses = {}
                for code, response in definition["responses"].items():
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    statuses[code] = resolve_refs(schema, self.document) if schema is not None else None
                self.operations[operation_id] = DocumentedOperation(
                    operation_id,
                    definition.get(DECISION) == INFERRED,
                    contract.request_schema(self.document, operation_id),
                    contract.query_parameters(self.document, operation_id),
                    statuses,
                )
        self._fast: dict[int, Any] = {}
        self._validators: dict[int, Draft202012Validator] = {}

    def error(self, schema: dict[str, Any], value: Any) -> ValidationError | None:
        """Why `value` breaks `schema` (the most telling error), None when it keeps it.

        jsonschema-rs says whether it does, ten times faster; jsonschema, only for what breaks it,
        says why in a message a person reads.
        """
        fast = self._fast.get(id(schema))
        if fast is None:
            fast = self._fast[id(schema)] = jsonschema_rs.validator_for(
                schema, formats=FAST_FORMATS, validate_formats=True
            )
        if fast.is_valid(value):
            return None
        slow = self._validators.get(id(schema))
        if slow is None:
            slow = self._validators[id(schema)] = Draft202012Validator(schema, format_checker=FORMATS)
        return best_match(slow.iter_errors(value))
