"""Fixtures for testing the conformance suite: running it against an app in process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conformance_kit import SUITE_ARGUMENTS

from conformance import Report, evaluate


@pytest.fixture
def check_in_process() -> Callable[..., Report]:
    """Run the suite against an ASGI app in process, with extra command-line arguments."""

    def check(app: Any, *arguments: str, base: list[str] = SUITE_ARGUMENTS) -> Report:
        return evaluate([*base, *arguments], app=app, environ={})

    return check
