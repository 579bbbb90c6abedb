"""Every example of openapi.yaml holds against a mock started on the bundled fixtures, on any date.

Each response example is paired with the request that shows it: the request example of the
same name where the spec has one, else a request written here. A fresh mock answers exactly
the example, but for what it makes up (ids, codes, the instants of now).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml
from helpers_kit import ACME_TEST, BATCHES, GENERATE, SPEC_FILE, STATS, VERIFY, plain_client

from mockserver import create_app

SPEC = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
# Now, and a date well past every expiry the fixtures hold but the far-future one of the examples.
CLOCKS = [pytest.param(None, id="now"), pytest.param("2030-06-01T12:00:00Z", id="2030")]
CODE = re.compile(r"^[A-Z0-9-]{1,4}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")
MADE_UP = "<made up by the mock>"
REDEEM = "/v1/campaigns/{slug}/redeem"


class Request:
    """A request to send, as (method, path, headers, body or raw content)."""

    def __init__(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        secret: str | None = ACME_TEST,
        content: bytes | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.method, self.path, self.body, self.query = method, path, body, query
        self.secret, self.content, self.content_type = secret, content, content_type

    def send(self, client: Any) -> Any:
        headers = {} if self.secret is None else {"X-API-Secret": self.secret}
        if self.body is not None or self.content is not None:
            headers["Content-Type"] = self.content_type
        return client.request(
            self.method, self.path, json=self.body, content=self.content, params=self.query, headers=headers
        )


def media(operation_id: str, status: str) -> dict[str, Any]:
    for item in SPEC["paths"].values():
        for operation in item.values():
            if operation.get("operationId") == operation_id:
                response = operation["responses"][status]
                if "$ref" in response:
                    response = SPEC["components"]["responses"][response["$ref"].rpartition("/")[2]]
                return response["content"]["application/json"]
    raise KeyError(operation_id)


def request_example(operation_id: str, name: str) -> Any:
    for item in SPEC["paths"].values():
        for operation in item.values():
            if operation.get("operationId") == operation_id:
                return operation["requestBody"]["content"]["application/json"]["examples"][name]["value"]
    raise KeyError(operation_id)


def parameter_examples(path: str, method: str) -> dict[str, Any]:
    return {p["name"]: p["example"] for p in SPEC["paths"][path][method]["parameters"]}


def generate(**body: Any) -> Request:
    return Request("POST", GENERATE, body={"slug": "summer-promo", "batchSize": 1, "pointsValue": 1, **body})


def generate_docs_example(secret: str | None) -> Request:
    return Request("POST", GENERATE, body=request_example("generateCodes", "docs"), secret=secret)


def redeem(slug: str, code: str) -> Request:
    return Request("POST", REDEEM.format(slug=slug), body={"code": code, "userId": "user-42"})


def verify_example(name: str) -> Request:
    return Request("POST", VERIFY, body=request_example("verifyCode", name))


DOCS_GENERATE = Request("POST", GENERATE, body=request_example("generateCodes", "docs"))
# (operationId, status, example name or None for the single `example`) -> the request that shows it.
PAIRS: dict[tuple[str, str, str | None], Request] = {
    ("generateCodes", "200", "docs"): DOCS_GENERATE,
    ("generateCodes", "400", "batchSize"): generate(batchSize=10001),
    ("generateCodes", "400", "pointsValue"): generate(pointsValue=0),
    ("generateCodes", "400", "body"): Request("POST", GENERATE, body={"batchSize": 1, "pointsValue": 1}),
    ("generateCodes", "401", "missing"): generate_docs_example(None),
    ("generateCodes", "401", "invalid"): generate_docs_example("sk_test_no_such_secret"),
    ("generateCodes", "403", "revoked"): generate_docs_example("sk_test_acme_revoked_secret"),
    ("generateCodes", "403", "inactive"): generate_docs_example("sk_test_initech_inactive_app"),
    ("generateCodes", "404", None): generate(slug="no-such-campaign"),
    ("generateCodes", "413", None): Request(
        "POST", GENERATE, content=b'{"label": "' + b"x" * (1 << 20) + b'"}'
    ),
    ("generateCodes", "415", None): Request(
        "POST", GENERATE, content=b"slug=summer-promo", content_type="application/x-www-form-urlencoded"
    ),
    ("listCodeBatches", "200", "docs"): Request(
        "GET", BATCHES, query=parameter_examples("/v1/campaigns/codes/batches", "get")
    ),
    ("listCodeBatches", "400", None): Request("GET", BATCHES, query={"slug": "summer-promo", "page": "0"}),
    **{
        ("verifyCode", "200", name): verify_example(name)
        for name in ("valid", "redeemed", "expired", "revoked", "campaignEnded", "campaignPaused", "notFound")
    },
    ("verifyCode", "400", None): Request("POST", VERIFY, body={}),
    ("getCodeStats", "200", "fixtures"): Request(
        "GET", STATS, query=parameter_examples("/v1/campaigns/codes/stats", "get")
    ),
    ("redeemCode", "200", "inferred"): Request(
        "POST", REDEEM.format(slug="summer-promo"), body=request_example("redeemCode", "inferred")
    ),
    ("redeemCode", "400", None): Request("POST", REDEEM.format(slug="summer-promo"), body={}),
    ("redeemCode", "404", "campaign"): redeem("no-such-campaign", "SUMM-DH4K7N9R"),
    ("redeemCode", "404", "code"): redeem("summer-promo", "SUMM-ZZZZ2222"),
    ("redeemCode", "409", "redeemed"): redeem("summer-promo", "SUMM-EJ6M3P8S"),
    ("redeemCode", "409", "expired"): redeem("summer-promo", "SUMM-AX7K9M2P"),
    ("redeemCode", "409", "revoked"): redeem("summer-promo", "SUMM-FK2Q5T7V"),
    ("redeemCode", "409", "campaignEnded"): redeem("autumn-2024", "AUTU-HN4S7X2Z"),
    ("redeemCode", "409", "campaignPaused"): redeem("spring-launch", "SPRI-JP5T8Y3A"),
}


def examples_of(operation_id: str, status: str) -> dict[str | None, Any]:
    found = media(operation_id, status)
    if "example" in found:
        return {None: found["example"]}
    return {name: example["value"] for name, example in found.get("examples", {}).items()}


def every_response_example() -> set[tuple[str, str, str | None]]:
    """Each example of each response in the spec; a shared component response once, at its first use."""
    shared_seen: set[str] = set()
    found: set[tuple[str, str, str | None]] = set()
    for item in SPEC["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    if response["$ref"] in shared_seen:
                        continue
                    shared_seen.add(response["$ref"])
                operation_id = operation["operationId"]
                found |= {(operation_id, status, name) for name in examples_of(operation_id, status)}
    return found


def without_made_up(payload: Any) -> Any:
    """The answer with what the mock makes up replaced by a marker (codes checked for shape first)."""
    payload = copy.deepcopy(payload)
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return payload
    if isinstance(data.get("codes"), list):
        assert all(CODE.match(code) for code in data["codes"]), data["codes"]
        assert all(code.startswith("SUMM-") for code in data["codes"])
        data["codes"] = [MADE_UP] * len(data["codes"])
    batch = data.get("batch")
    if isinstance(batch, dict):
        batch["id"] = batch["createdAt"] = MADE_UP
    if "redeemedAt" in data:
        data["redeemedAt"] = MADE_UP
    return payload


def test_every_response_example_is_paired_with_a_request() -> None:
    missing = every_response_example() - set(PAIRS)
    assert not missing, f"examples with no request that shows them: {sorted(missing, key=str)}"


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("pair", sorted(PAIRS, key=str), ids=lambda pair: "-".join(map(str, pair)))
def test_a_fresh_mock_answers_the_example(pair: tuple[str, str, str | None], clock: str | None) -> None:
    operation_id, status, name = pair
    expected = examples_of(operation_id, status)[name]
    response = PAIRS[pair].send(plain_client(create_app(freeze_time=clock)))
    assert response.status_code == int(status), response.text
    assert without_made_up(response.json()) == without_made_up(expected)


def test_every_request_example_is_paired_with_its_answer() -> None:
    request_examples = {
        (operation["operationId"], name)
        for item in SPEC["paths"].values()
        for operation in item.values()
        for name in operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("examples", {})
    }
    answered = {(operation_id, name) for operation_id, status, name in PAIRS if status == "200"}
    assert request_examples <= answered


def test_only_ids_codes_and_instants_of_now_are_made_up() -> None:
    answer = DOCS_GENERATE.send(plain_client(create_app())).json()
    masked = without_made_up(answer)["data"]
    assert sorted(key for key, value in masked["batch"].items() if value == MADE_UP) == ["createdAt", "id"]
    assert masked["codes"] == [MADE_UP] * 3
    assert answer["data"]["batch"]["expiresAt"] == "2099-12-31T23:59:59Z"
