"""Fixtures of the suite's own tests: the target of the run, opened once, and the ways to call it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from schemathesis.schemas import BaseSchema

from .api import Api
from .exchange import mask
from .fuzzing import Fuzzing
from .plugin import APP, TARGET, settings_of
from .settings import Settings
from .target import Target, open_target


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The implementation under test, after the preflight proved the secret reaches a 2xx."""
    config = request.config
    opened = open_target(settings_of(config), config.stash.get(APP, None))
    config.stash[TARGET] = opened
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _observed(request: pytest.FixtureRequest, target: Target) -> None:
    """No check runs past a failed preflight; findings name the test that observed them."""
    if target.ledger.preflight_failure:
        pytest.fail(
            f"preflight: {mask(target.ledger.preflight_failure, target.settings.api_secret)}", pytrace=False
        )
    target.ledger.current_test = request.node.nodeid


@pytest.fixture
def settings(target: Target) -> Settings:
    return target.settings


@pytest.fixture
def api(target: Target) -> Api:
    return target.api


@pytest.fixture
def fuzzing(target: Target) -> Fuzzing:
    return target.fuzzing


@pytest.fixture(scope="session")
def conformance_schema(target: Target) -> BaseSchema:
    """The schema schemathesis generates from (see test_schema.py)."""
    return target.fuzzing.schema
