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
