"""What the suite reads from openapi.yaml: decided keywords left out, decided statuses any 4xx."""

from __future__ import annotations

import pytest

from conformance.contract import Contract

ALL = {"generateCodes", "listCodeBatches"}


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
