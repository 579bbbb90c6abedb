"""What the suite gives schemathesis: documented keywords only, documented statuses and any other 4xx."""

from __future__ import annotations

import copy

import pytest

from conformance.judge.contract import Contract
from conformance.judge.operations import OPERATIONS
from conformance.judge.rules import claims

ALL = {operation.operation_id for operation in OPERATIONS}
REDEEM_PATH = "/v1/campaigns/{slug}/redeem"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="module")
def fuzzed(contract: Contract) -> dict:
    return contract.documented(ALL, claims())


def test_decided_keywords_are_left_out(fuzzed: dict) -> None:
    schemas = fuzzed["components"]["schemas"]
    page, limit = fuzzed["paths"]["/v1/campaigns/codes/batches"]["get"]["parameters"][1:3]
    assert page["schema"] == {"type": "integer", "default": 1} and limit["schema"] == {
        "type": "integer",
        "default": 20,
    }
    assert "maximum" not in schemas["GenerateCodesRequest"]["properties"]["pointsValue"]
    assert "maxLength" not in schemas["GenerateCodesRequest"]["properties"]["label"]
    assert "additionalProperties" not in schemas["Batch"]
    assert "pattern" not in schemas["Code"]
    # Documented bounds stay.
    assert schemas["GenerateCodesRequest"]["properties"]["batchSize"]["maximum"] == 10000
    assert schemas["GenerateCodesRequest"]["properties"]["pointsValue"]["minimum"] == 1


def test_decided_entries_go_and_the_documented_schema_stays(fuzzed: dict, contract: Contract) -> None:
    schemas = fuzzed["components"]["schemas"]
    # The mock's required label and expiresAt, and its status of a code not found, are its own.
    assert schemas["Batch"]["required"] == ["id", "campaignId", "batchSize", "pointsValue", "createdAt"]
    verdict = schemas["VerifyCodeResponse"]["properties"]["data"]
    assert "status" not in verdict["required"] and "valid" in verdict["required"]
    assert verdict["properties"]["status"] == {"description": verdict["properties"]["status"]["description"]}
    assert verdict["properties"]["campaignName"]["type"] == ["string", "null"]
    assert not any("x-mock-decision" in str(node) for node in schemas.values())
    # The spec itself says what the mock sends, plainly.
    spec = contract.document["components"]["schemas"]
    assert "label" in spec["Batch"]["required"]
    status = spec["VerifyCodeResponse"]["properties"]["data"]["properties"]["status"]
    assert status["enum"] == ["ACTIVE", "REDEEMED", "EXPIRED", "REVOKED", ""]


def test_every_operation_admits_any_other_client_error(fuzzed: dict) -> None:
    for item in fuzzed["paths"].values():
        for definition in item.values():
            assert "4XX" in definition["responses"], definition["operationId"]


def test_decided_statuses_are_left_out_and_documented_ones_stay(fuzzed: dict) -> None:
    generate = fuzzed["paths"]["/v1/campaigns/codes/generate"]["post"]["responses"]
    assert set(generate) == {"200", "400", "401", "403", "404", "4XX"}
    verify = fuzzed["paths"]["/v1/campaigns/codes/verify"]["post"]["responses"]
    assert set(verify) == {"200", "401", "403", "4XX"}  # its 400 is D7's


def test_an_inferred_operation_is_fuzzed_for_its_path_and_secret_only(fuzzed: dict) -> None:
    redeem = fuzzed["paths"][REDEEM_PATH]["post"]
    assert redeem["requestBody"]["content"]["application/json"] == {"schema": {}}
    assert set(redeem["responses"]) == {"401", "403", "2XX", "4XX"}


def test_the_suite_checks_every_operation_of_the_spec(contract: Contract) -> None:
    assert set(contract.operations) == ALL


def test_inferred_operations_are_the_ones_the_spec_marks(contract: Contract) -> None:
    assert {op.name for op in OPERATIONS if op.inferred} == {"redeem"}
    for operation in OPERATIONS:
        assert operation.inferred == contract.is_inferred(operation.operation_id), operation.name


def test_only_the_named_operations_are_fuzzed(contract: Contract) -> None:
    assert list(contract.documented({"listCodeBatches"}, claims())["paths"]) == [
        "/v1/campaigns/codes/batches"
    ]


def test_the_spec_itself_is_untouched(contract: Contract) -> None:
    contract.documented(ALL, claims())
    assert contract.document["components"]["schemas"]["Batch"]["additionalProperties"] is False


def test_a_keyword_nobody_classified_is_found_and_never_given_to_schemathesis(contract: Contract) -> None:
    document = copy.deepcopy(contract.document)
    document["components"]["schemas"]["GenerateCodesRequest"]["properties"]["slug"]["maxLength"] = 64
    planted = Contract(document)
    unclassified = [
        part
        for part in planted.classify()
        if part.decided is None and part.keyword == "maxLength" and "slug" in part.where
    ]
    assert len(unclassified) == 1  # tests/conformance/test_catalogue.py then fails on it
    slug = planted.documented(ALL, claims())["components"]["schemas"]["GenerateCodesRequest"]["properties"][
        "slug"
    ]
    assert "maxLength" not in slug
