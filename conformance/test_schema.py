"""Schema conformance of each operation: every schemathesis phase and check, and the named response checks."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import Case

from .fuzzing import Fuzzing

schema = schemathesis.pytest.from_fixture("conformance_schema")


@pytest.mark.generate
@pytest.mark.creates
@schema.include(operation_id="generateCodes").parametrize()
def test_generate_codes_conforms(case: Case, fuzzing: Fuzzing) -> None:
    fuzzing.validate(case)


@pytest.mark.batches
@schema.include(operation_id="listCodeBatches").parametrize()
def test_list_code_batches_conforms(case: Case, fuzzing: Fuzzing) -> None:
    fuzzing.validate(case)


@pytest.mark.verify
@schema.include(operation_id="verifyCode").parametrize()
def test_verify_code_conforms(case: Case, fuzzing: Fuzzing) -> None:
    # A POST that creates nothing: --read-only keeps it.
    fuzzing.validate(case)


@pytest.mark.stats
@schema.include(operation_id="getCodeStats").parametrize()
def test_get_code_stats_conforms(case: Case, fuzzing: Fuzzing) -> None:
    fuzzing.validate(case)


@pytest.mark.redeem
@pytest.mark.creates
@schema.include(operation_id="redeemCode").parametrize()
def test_redeem_code_conforms(case: Case, fuzzing: Fuzzing) -> None:
    # Against the inferred schema; the path's slug is pinned to --slug like generate's body slug.
    fuzzing.validate(case)
