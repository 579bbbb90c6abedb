"""pytest plugin, loaded through the `pytest11` entry point: the `gamifyhost_mock` fixture.

One mock per test session, served on a free loopback port, reset to its fixtures before each
test that asks for it. Nothing starts, and nothing heavy is imported, unless a test asks. To
pass options of `mockserver.running` (fixtures, seed, freeze_time, ...), override the session
fixture `gamifyhost_mock_options` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .live import RunningMock


@pytest.fixture(scope="session")
def gamifyhost_mock_options() -> dict[str, Any]:
    """Keyword arguments of `mockserver.running` for the session's mock; override to change them."""
    return {}


@pytest.fixture(scope="session")
def _gamifyhost_mock_server(gamifyhost_mock_options: dict[str, Any]) -> Iterator[RunningMock]:
    from .live import running

    with running(**gamifyhost_mock_options) as mock:
        yield mock


@pytest.fixture
def gamifyhost_mock(_gamifyhost_mock_server: RunningMock) -> RunningMock:
    """A GamifyHost mock at `.base_url`, fresh from its fixtures; `.secrets["acme_test"]`, `.reset()`..."""
    _gamifyhost_mock_server.reset()
    return _gamifyhost_mock_server
