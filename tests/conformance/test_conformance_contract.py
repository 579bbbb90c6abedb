"""What the suite reads from openapi.yaml: decided keywords left out, decided statuses any 4xx."""

from __future__ import annotations

import pytest

from conformance.contract import Contract
from conformance.operations import OPERATIONS

ALL = {operation.operation_id for operation in OPERATIONS}
REDEEM_PATH = "/v1/campaigns/{slug}/redeem"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


def test_decided_keywords_are_left_out_of_the_fuzzed_schema(contract: Contract) -> None:
    fuzzed = contract.for_schemathesis(ALL)
    schemas = fuzzed["components"]["schemas"]
    limit = fuzzed["paths"]["/v1/campaigns/codes/batches"]["get"]["parameters"][2]["schema"]
    assert "maximum" not in limit and limit["minimum"] == 1
    assert "maximum" not in schemas["GenerateCodesRequest"]["properties"]["pointsValue"]
    assert "maxLength" not in schemas["GenerateCodesRequest"]["properties"]["label"]
    assert "additionalProperties" not in schemas["Batch"]
    # Documented bounds stay.
    assert schemas["GenerateCodesRequest"]["properties"]["batchSize"]["maximum"] == 10000


def test_decided_error_statuses_admit_any_client_error(contract: Contract) -> None:
    paths = contract.for_schemathesis(ALL)["paths"]
    assert "4XX" in paths["/v1/campaigns/codes/batches"]["get"]["responses"]
    assert "4XX" in paths["/v1/campaigns/codes/generate"]["post"]["responses"]


def test_the_suite_checks_every_operation_of_the_spec(contract: Contract) -> None:
    in_spec = {
        definition["operationId"]
        for item in contract.document["paths"].values()
        for definition in item.values()
        if isinstance(definition, dict) and "operationId" in definition
    }
    assert in_spec == ALL


def test_inferred_operations_are_the_ones_the_spec_marks(contract: Contract) -> None:
    assert {op.name for op in OPERATIONS if op.inferred} == {"redeem"}
    for operation in OPERATIONS:
        assert operation.inferred == contract.is_inferred(operation.operation_id), operation.name


def test_an_inferred_operation_admits_any_client_error_and_promises_nothing(contract: Contract) -> None:
    paths = contract.for_schemathesis(ALL)["paths"]
    assert "4XX" in paths[REDEEM_PATH]["post"]["responses"]
    assert "4XX" in paths["/v1/campaigns/codes/verify"]["post"]["responses"]  # its 400 is decided (D7)
    valid = {"code": "SUMM-AX7K9M2P", "userId": "user-42"}
    assert contract.decided_reasons("redeemCode", valid, {}) == ["the operation's whole contract is inferred"]
    assert contract.decided_reasons("verifyCode", {"code": "SUMM-AX7K9M2P"}, {}) == []


def test_only_the_named_operations_are_fuzzed(contract: Contract) -> None:
    assert list(contract.for_schemathesis({"listCodeBatches"})["paths"]) == ["/v1/campaigns/codes/batches"]


def test_the_spec_itself_is_untouched(contract: Contract) -> None:
    contract.for_schemathesis(ALL)
    assert contract.document["components"]["schemas"]["Batch"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("body", "query", "reason"),
    [
        ({"slug": "s", "batchSize": 1, "pointsValue": 2**31}, {}, "pointsValue"),
        ({"slug": "s", "batchSize": 1, "pointsValue": 1, "label": "x" * 256}, {}, "label"),
        ({"slug": "s", "batchSize": 1, "pointsValue": 1.0}, {}, "pointsValue"),
        ({"slug": "s", "batchSize": 1, "pointsValue": 1, "extra": True}, {}, "extra"),
        ({"slug": "s", "batchSize": 1, "pointsValue": 1, "expiresAt": "2001-01-01T00:00:00Z"}, {}, "past"),
    ],
)
def test_valid_requests_the_contract_may_refuse(
    contract: Contract, body: dict, query: dict, reason: str
) -> None:
    reasons = contract.decided_reasons("generateCodes", body, query)
    assert any(reason in text for text in reasons), reasons


def test_documented_requests_must_be_accepted(contract: Contract) -> None:
    body = {
        "slug": "s",
        "batchSize": 10000,
        "pointsValue": 1,
        "label": "x",
        "expiresAt": "2099-01-01T00:00:00Z",
    }
    assert contract.decided_reasons("generateCodes", body, {}) == []
    assert contract.decided_reasons("listCodeBatches", None, {"slug": "s", "page": "3", "limit": "100"}) == []
    assert contract.decided_reasons("listCodeBatches", None, {"slug": "s", "limit": "101"})
